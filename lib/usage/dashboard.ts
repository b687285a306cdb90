import 'server-only'
import { withUser } from '@/lib/db/with-user'
import { getPlan } from '@/lib/billing/plans'
import { formatUsd, parseUsd } from '@/lib/pricing/money'
import { OTHER_SERVICES, SERVICE_IDS, SERVICE_TYPE_IDS as SERVICES, type ServiceType as ServiceKey } from '@/lib/services'
import { getUserUsage, type ReadAs, type UsageSummary } from '@/lib/usage/summary'
import { usd } from '@/lib/usage/money'
import { readNewestFirst, recentWindowStart } from '@/lib/usage/recent-window'

export type DailyPoint = { date: string } & Record<`${ServiceKey}_cost` | `${ServiceKey}_calls`, number> & { total_cost: string }
export type ModelCost = { provider: string; model: string; cost: string; calls: number }
export type RecentCall = { id: string; service_type: string; provider: string; model: string; total_cost: string | null; cost_status: string; status: string; created_at: string }
export type Forecast = { limit: string; used: number | string; max: number | string; runs_out_at: string }

export type UsageDashboard = {
  summary: UsageSummary
  planDescription: string | null
  daily: DailyPoint[]
  byModel: ModelCost[]
  recent: RecentCall[]
  forecasts: Forecast[]
}

const DAY = 86_400_000

/**
 * Everything the Usage & Costs tab shows, read through RLS (or `read`, lib/usage/summary.ts). Charts come from the day rollups
 * only (30 rows per series at most, however many calls there were); "recent" reads ten rows by
 * the (user_id, created_at) index, never a scan.
 */
export async function getUsageDashboard(userId: string, now = new Date(), read: ReadAs = withUser): Promise<UsageDashboard> {
  const summary = await getUserUsage(userId, now, read)
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 29 * DAY)
  const [days, recent] = await read(userId, (tx) =>
    Promise.all([
      tx.usageAggregation.findMany({
        where: { userId, periodType: 'day', periodStart: { gte: since } },
        select: { periodStart: true, serviceType: true, provider: true, model: true, requestCount: true, totalCost: true },
      }),
      // The newest months first (lib/usage/recent-window.ts): the planner plans those only.
      readNewestFirst(recentWindowStart(now), 10, (floor) =>
        tx.apiUsage.findMany({
          where: { userId, ...(floor ? { createdAt: { gte: floor } } : {}) },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 10,
          select: { id: true, serviceType: true, provider: true, model: true, totalCost: true, costStatus: true, status: true, createdAt: true },
        }),
      ),
    ]),
  )

  const byDate = new Map<string, { costs: Record<ServiceKey, bigint>; calls: Record<ServiceKey, number> }>()
  for (let d = 0; d < 30; d++) {
    const date = new Date(since.getTime() + d * DAY).toISOString().slice(0, 10)
    byDate.set(date, { costs: Object.fromEntries(SERVICES.map((s) => [s, 0n])) as Record<ServiceKey, bigint>, calls: Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceKey, number> })
  }
  const models = new Map<string, { provider: string; model: string; cost: bigint; calls: number }>()
  for (const row of days) {
    const day = byDate.get(row.periodStart.toISOString().slice(0, 10))
    const service = row.serviceType as ServiceKey
    const cost = parseUsd(row.totalCost.toString())
    if (day && service in day.costs) {
      day.costs[service] += cost
      day.calls[service] += row.requestCount
    }
    const key = `${row.provider}/${row.model}`
    const m = models.get(key) ?? { provider: row.provider, model: row.model, cost: 0n, calls: 0 }
    m.cost += cost
    m.calls += row.requestCount
    models.set(key, m)
  }

  return {
    summary,
    planDescription: summary.plan ? ((await getPlan(summary.plan.type))?.description ?? null) : null,
    daily: [...byDate].map(([date, v]) => ({
      date,
      // Charts need numbers; the exact figure stays in total_cost.
      ...Object.fromEntries(SERVICES.flatMap((s) => [[`${s}_cost`, Number(formatUsd(v.costs[s]))], [`${s}_calls`, v.calls[s]]])),
      total_cost: formatUsd(SERVICES.reduce((sum, s) => sum + v.costs[s], 0n)),
    })) as DailyPoint[],
    byModel: [...models.values()].sort((a, b) => (b.cost > a.cost ? 1 : b.cost < a.cost ? -1 : b.calls - a.calls)).slice(0, 8).map((m) => ({ ...m, cost: formatUsd(m.cost) })),
    recent: recent.map((r) => ({
      id: r.id,
      service_type: r.serviceType,
      provider: r.provider,
      model: r.model,
      total_cost: usd(r.totalCost),
      cost_status: r.costStatus,
      status: r.status,
      created_at: r.createdAt.toISOString(),
    })),
    forecasts: forecast(summary, now),
  }
}

/** Limits that, at this period's pace so far, will run out before the period ends. */
function forecast(summary: UsageSummary, now: Date): Forecast[] {
  if (!summary.period || !summary.services) return []
  const start = Date.parse(summary.period.start)
  const end = Date.parse(summary.period.end)
  const elapsed = now.getTime() - start
  if (elapsed <= 0) return []
  const out: Forecast[] = []
  const add = (limit: string, used: number, max: number, display: [number | string, number | string]) => {
    if (used <= 0 || max <= 0 || used >= max) return
    const runsOut = start + (elapsed * max) / used
    if (runsOut < end) out.push({ limit, used: display[0], max: display[1], runs_out_at: new Date(runsOut).toISOString() })
  }
  for (const s of SERVICE_IDS) {
    const u = summary.services[s]
    if (!u.unlimited) add(s, u.used, u.limit, [u.used, u.limit])
  }
  for (const { id } of OTHER_SERVICES) {
    const u = summary.other_services?.[id]
    if (u && !u.unlimited) add(id, u.used, u.limit, [u.used, u.limit])
  }
  if (summary.cost.budget) {
    // Pace needs a ratio, not money: floats are fine here and nothing is stored.
    add('monthly_cost_budget', Number(summary.cost.period), Number(summary.cost.budget), [summary.cost.period, summary.cost.budget])
  }
  return out
}
