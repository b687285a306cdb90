import 'server-only'
import { z } from 'zod'
import { pool } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'

// api_usage is partitioned by UTC month (supabase/migrations/20241201_partitioned_ledger.sql).
// There is no DEFAULT partition, so a month must exist before a row of it is written: every app
// process creates this month and the next MONTHS_AHEAD at start and hourly (idempotent, and
// several processes at once are fine), and the writer creates an old month on demand when a
// row needs it (lib/metering/store.ts). Retention drops whole past months, never rows.

const MONTHS_AHEAD = 3
const INTERVAL_MS = 60 * 60 * 1000

/** Creates this month's partition of api_usage and the next MONTHS_AHEAD (those missing). */
export async function prepareLedgerMonths(ahead = MONTHS_AHEAD): Promise<void> {
  await pool().query('select public.api_usage_prepare_months($1)', [ahead])
}

/** Creates the partition of api_usage that holds `at` if it has none. Idempotent. */
export async function createLedgerMonth(at: string | Date): Promise<void> {
  await pool().query('select public.api_usage_partition_for($1::timestamptz)', [at instanceof Date ? at.toISOString() : at])
}

let timer: NodeJS.Timeout | undefined

function prepare(): void {
  prepareLedgerMonths().catch((e) => console.error(`[ledger] creating the months ahead failed (retried hourly): ${(e as Error).message}`))
}

/** At start and hourly in this process: the months ahead exist long before a call lands in them. */
export function startLedgerMonths(): void {
  if (timer) return
  prepare()
  timer = setInterval(prepare, INTERVAL_MS)
  timer.unref()
}

/** One month of the ledger: its partition, first day (UTC), estimated rows and bytes (indexes included). */
export type LedgerMonth = { partition: string; month: string; estimatedRows: number; bytes: number }

export async function listLedgerMonths(): Promise<LedgerMonth[]> {
  const { rows } = await pool().query<{ partition: string; month: string; estimated_rows: string; bytes: string }>(
    `select partition::text, to_char(month, 'YYYY-MM') as month, estimated_rows, bytes from public.api_usage_months()`,
  )
  return rows.map((r) => ({ partition: r.partition, month: r.month, estimatedRows: Number(r.estimated_rows), bytes: Number(r.bytes) }))
}

export const RetentionMonthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month, YYYY-MM' })
export const RetentionKeepSchema = z.coerce
  .number({ error: 'must be a whole number of months' })
  .int({ error: 'must be a whole number of months' })
  .min(1, { error: 'must keep at least the current month (1)' })
  .max(1200, { error: 'must be at most 1200 months' })
/** The first month to keep (`before`), or how many months to keep, the current one included. */
export type RetentionInput = { before: string } | { keepMonths: string | number }

/** What retention would drop: the months before `firstKept`, oldest first, each with its exact row count. */
export type RetentionPlan = { firstKept: string; drop: (LedgerMonth & { rows: number })[]; keep: LedgerMonth[] }

function monthOf(date: Date, minus = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - minus, 1))
  return d.toISOString().slice(0, 7)
}

/**
 * The months retention would drop to keep only `before` and later (or the last `keepMonths`,
 * the current one included). Refuses (invalid_request) a plan that would drop the current
 * month; the database refuses it too (api_usage_drop_month).
 */
export async function planLedgerRetention(input: RetentionInput, now = new Date()): Promise<RetentionPlan> {
  const parsed = 'before' in input ? RetentionMonthSchema.safeParse(input.before) : RetentionKeepSchema.safeParse(input.keepMonths)
  if (!parsed.success) throw new AppError('invalid_request', `${'before' in input ? '--before' : '--keep-months'} ${parsed.error.issues[0].message}`)
  const current = monthOf(now)
  const firstKept = typeof parsed.data === 'string' ? parsed.data : monthOf(now, parsed.data - 1)
  if (firstKept > current) throw new AppError('invalid_request', `refused: dropping the months before ${firstKept} would drop the current month (${current})`)
  const months = await listLedgerMonths()
  // Counted, not estimated: an operator about to drop ledger rows is told exactly how many.
  // (The partition's name comes from the catalog, not from the input.)
  const drop = []
  for (const m of months.filter((m) => m.month < firstKept)) {
    const { rows } = await pool().query<{ n: string }>(`select count(*) as n from ${m.partition}`)
    drop.push({ ...m, rows: Number(rows[0].n) })
  }
  return { firstKept, drop, keep: months.filter((m) => m.month >= firstKept) }
}

/** Drops the plan's months, oldest first, each in its own transaction. Returns the details rows deleted with them. */
export async function applyLedgerRetention(plan: RetentionPlan): Promise<{ dropped: string[]; details: number }> {
  const dropped: string[] = []
  let details = 0
  for (const m of plan.drop) {
    const { rows } = await pool().query<{ n: string }>('select public.api_usage_drop_month($1::date) as n', [`${m.month}-01`])
    details += Number(rows[0].n)
    dropped.push(m.month)
  }
  return { dropped, details }
}
