import { z } from 'zod'

// The periods the console reports over. Days are UTC calendar days (the rollups' days).

export const PERIODS = ['month', '7d', '30d', '90d'] as const
export type Period = (typeof PERIODS)[number]
export const PERIOD_LABELS: Record<Period, string> = { month: 'This month', '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' }

/** `?period=` of the Overview: one of PERIODS, "this month" when absent. */
export const PeriodSchema = z.enum(PERIODS, { error: `period must be one of ${PERIODS.join(', ')}` }).default('month')

/** A range of whole UTC days: `from` inclusive, `to` exclusive (YYYY-MM-DD); `days` lists them. */
export type ReportRange = { period: Period; from: string; to: string; days: string[] }

const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The range of a period as of `now`: it always ends with today (UTC). */
export function rangeFor(period: Period, now: Date = new Date()): ReportRange {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const start = period === 'month' ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) : today - (Number.parseInt(period, 10) - 1) * DAY
  const days: string[] = []
  for (let d = start; d <= today; d += DAY) days.push(iso(d))
  return { period, from: iso(start), to: iso(today + DAY), days }
}
