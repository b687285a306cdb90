import 'server-only'
import { z } from 'zod'
import { withUser } from '@/lib/db/with-user'
import { SERVICE_TYPE_IDS } from '@/lib/services'
import { usd } from '@/lib/usage/money'
import { readNewestFirst, recentWindowStart } from '@/lib/usage/recent-window'

// PostgreSQL refuses NUL in text and has no year 0 (1 BC precedes AD 1), though zod allows
// both: passed through, either one failed the query with a 500 instead of a 400.
const text = (max: number) => z.string().min(1).max(max).refine((v) => !v.includes('\u0000'), { error: 'must not contain NUL characters' })
const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO date-time' })
  .or(z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }))
  .refine((v) => !v.startsWith('0000'), { error: 'must be in year 1 or later' })

export const HistoryQuerySchema = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1, { error: 'must be between 1 and 100' }).max(100, { error: 'must be between 1 and 100' }).default(20),
  cursor: z.string().max(200).optional(),
  service: z.enum(SERVICE_TYPE_IDS, { error: `must be one of ${SERVICE_TYPE_IDS.join(', ')}` }).optional(),
  campaign: z.uuid({ error: 'must be a campaign id (UUID)' }).optional(),
  status: z.enum(['success', 'error', 'rate_limited', 'limit_exceeded', 'client_aborted'], { error: 'must be one of success, error, rate_limited, limit_exceeded, client_aborted' }).optional(),
  model: text(200).optional(),
  request_id: text(100).optional(),
  from: instant.optional(),
  to: instant.optional(),
})
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>

/**
 * The day after `date`, to turn a "to" day the user includes into the query's exclusive bound;
 * undefined when `date` is no date or its next day is past what a Date can hold (275760-09-13
 * parses, but one day later toISOString throws).
 */
export function dayAfter(date: string): string | undefined {
  const next = new Date(Date.parse(date) + 86_400_000)
  return Number.isNaN(next.getTime()) ? undefined : next.toISOString().slice(0, 10)
}

type Row = {
  id: string
  service_type: string
  provider: string
  model: string
  endpoint: string
  request_id: string
  campaign_id: string | null
  input_tokens: number
  output_tokens: number
  cached_tokens: number
  reasoning_tokens: number
  images_generated: number
  video_seconds: string
  input_cost: string | null
  output_cost: string | null
  generation_cost: string | null
  total_cost: string | null
  price_snapshot: unknown
  cost_status: string
  latency_ms: number | null
  time_to_first_token_ms: number | null
  status: string
  error_code: string | null
  ip_address: string | null
  user_agent: string | null
  metadata: unknown
  created_at: string
}

/** Opaque to callers: the exact position (timestamp to the microsecond, then id) after which to continue. */
const encodeCursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url')

// Exactly the timestamps the query writes (to_char … 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'): Date.parse
// accepts far more ("1", "Dec 25 1995") than PostgreSQL does, so it cannot be the check.
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

/** A real instant in that format: V8 takes "2024-02-30" as 1 March; PostgreSQL refuses it, and year 0000. */
function realTime(value: unknown): value is string {
  if (typeof value !== 'string' || !CURSOR_TIME.test(value) || value.startsWith('0000')) return false
  const time = Date.parse(value)
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19)
}

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(value) && value.length === 2 && realTime(value[0]) && z.uuid().safeParse(value[1]).success
      ? [value[0], value[1]]
      : null
  } catch {
    return null
  }
}

/**
 * Behind getUserUsageHistory (seed name, docs/seed-names.md): the caller's calls, newest first, keyset
 * paginated (stable while new rows arrive), read through RLS. Payloads are left out.
 */
export async function listUsageHistory(userId: string, query: HistoryQuery, after: [string, string] | null) {
  // The newest months from the page's start first (lib/usage/recent-window.ts), unless `from`
  // already bounds the read as tightly.
  const window = recentWindowStart(after ? new Date(after[0]) : new Date())
  const floor = query.from && new Date(query.from) >= window ? null : window
  const rows = await readNewestFirst(floor, query.limit + 1, (since) => withUser(userId, (tx) =>
    tx.$queryRaw<Row[]>`
      select u.id::text, service_type, provider, model, endpoint, request_id, campaign_id::text,
             input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated,
             video_seconds::text, input_cost::text, output_cost::text, generation_cost::text, total_cost::text,
             price_snapshot, cost_status, latency_ms, time_to_first_token_ms, status, error_code,
             host(d.ip_address) as ip_address, d.user_agent, metadata,
             to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
        from public.api_usage u
        -- IP and user agent live beside the ledger row, and may have expired (retention).
        left join public.api_usage_details d using (request_id)
       where (${query.service ?? null}::text is null or service_type = ${query.service ?? null}::text)
         and (${query.campaign ?? null}::uuid is null or campaign_id = ${query.campaign ?? null}::uuid)
         and (${query.status ?? null}::text is null or status = ${query.status ?? null}::text)
         and (${query.model ?? null}::text is null or model = ${query.model ?? null}::text)
         and (${query.request_id ?? null}::text is null or request_id = ${query.request_id ?? null}::text)
         and (${query.from ?? null}::timestamptz is null or u.created_at >= ${query.from ?? null}::timestamptz)
         and (${query.to ?? null}::timestamptz is null or u.created_at < ${query.to ?? null}::timestamptz)
         and (${after?.[0] ?? null}::timestamptz is null or (u.created_at, u.id) < (${after?.[0] ?? null}::timestamptz, ${after?.[1] ?? null}::uuid))
         and (${since}::timestamptz is null or u.created_at >= ${since}::timestamptz)
       order by u.created_at desc, u.id desc
       limit ${query.limit + 1}`,
  ))
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    object: 'list' as const,
    data: page.map((r) => ({
      ...r,
      video_seconds: Number(r.video_seconds),
      input_cost: usd(r.input_cost),
      output_cost: usd(r.output_cost),
      generation_cost: usd(r.generation_cost),
      total_cost: usd(r.total_cost),
    })),
    next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
  }
}

/**
 * One of the caller's calls in full (price snapshot, and the sanitized payloads unless they
 * have expired: `details_expired`), or null.
 */
export async function getUsageRow(userId: string, id: string) {
  if (!z.uuid().safeParse(id).success) return null
  const found = await withUser(userId, async (tx) => {
    const row = await tx.apiUsage.findFirst({ where: { id } })
    return row ? { row, details: await tx.apiUsageDetail.findUnique({ where: { requestId: row.requestId } }) } : null
  })
  if (!found) return null
  const { row, details } = found
  return {
    id: row.id,
    request_id: row.requestId,
    service_type: row.serviceType,
    provider: row.provider,
    model: row.model,
    endpoint: row.endpoint,
    status: row.status,
    error_code: row.errorCode,
    campaign_id: row.campaignId,
    tokens: { input: row.inputTokens, output: row.outputTokens, cached: row.cachedTokens, reasoning: row.reasoningTokens },
    images_generated: row.imagesGenerated,
    video_seconds: Number(row.videoSeconds),
    cost: { input: usd(row.inputCost), output: usd(row.outputCost), generation: usd(row.generationCost), total: usd(row.totalCost), status: row.costStatus },
    price_snapshot: row.priceSnapshot,
    latency_ms: row.latencyMs,
    time_to_first_token_ms: row.timeToFirstTokenMs,
    request_payload: details?.requestPayload ?? null,
    response_payload: details?.responsePayload ?? null,
    details_expired: details === null,
    created_at: row.createdAt.toISOString(),
  }
}

const CSV_COLUMNS = [
  'created_at', 'request_id', 'service_type', 'provider', 'model', 'status', 'error_code', 'campaign_id',
  'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'images_generated', 'video_seconds',
  'input_cost', 'output_cost', 'generation_cost', 'total_cost', 'cost_status', 'latency_ms', 'time_to_first_token_ms',
] as const

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  // Quote anything with separators; prefix formulas so a spreadsheet never runs a cell. Only a
  // plain number may start with "-": "-1+1" or "-2+3+cmd|…" is a formula to a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/**
 * The caller's filtered history as CSV, produced a page of 1,000 rows at a time as the client
 * reads it: an export of millions of rows never sits in memory.
 */
export function exportUsageCsv(userId: string, query: Omit<HistoryQuery, 'limit' | 'cursor'>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after: [string, string] | null = null
  let started = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\n`))
        return
      }
      const page = await listUsageHistory(userId, { ...query, limit: 1000 }, after)
      const rows = page.data as unknown as Record<string, unknown>[]
      if (rows.length) controller.enqueue(encoder.encode(rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(',')).join('\n') + '\n'))
      if (!page.next_cursor) return controller.close()
      after = decodeCursor(page.next_cursor)
    },
  })
}
