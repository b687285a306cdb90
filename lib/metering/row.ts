// The one usage row builder. Every metered call (chat, content, images, a video job when it
// ends) describes itself as a context (who, which call, when, from where) and an outcome (what
// it measured and cost, or the error it ended with); buildUsageRow turns the two into the
// complete api_usage row. The status comes from the error code here and nowhere else, and the
// counts are made to fit their columns here, so the writer never meets a row it must repair.
import type { CostBreakdown } from '@/lib/pricing/types'
/** The services are declared once, in lib/services.ts. */
export type { ServiceType } from '@/lib/services'
import type { ServiceType } from '@/lib/services'
export type UsageStatus = 'success' | 'error' | 'rate_limited' | 'limit_exceeded' | 'client_aborted'
export type CostStatus = 'priced' | 'estimated' | 'unpriced'

/** One api_usage row, in the table's own column names (money as decimal strings), as record_usage takes it. */
export type UsageRecord = {
  user_id: string
  service_type: ServiceType
  provider: string
  model: string
  endpoint: string
  request_id: string
  campaign_id: string | null
  input_tokens?: number
  output_tokens?: number
  cached_tokens?: number
  reasoning_tokens?: number
  images_generated?: number
  video_seconds?: number
  input_cost: string | null
  output_cost: string | null
  generation_cost: string | null
  total_cost: string | null
  price_snapshot: unknown
  cost_status: CostStatus
  latency_ms: number
  time_to_first_token_ms?: number | null
  status: UsageStatus
  error_code: string | null
  ip_address: string | null
  user_agent: string | null
  request_payload: unknown
  response_payload?: unknown
  metadata: Record<string, unknown>
  created_at: string
  /** The quota lease the call was admitted from, and what it took of it (not a column: settlement gives it back to the lease). */
  lease?: { id: string; units: number; cost: string; tokens: number }
}

declare const built: unique symbol
/**
 * A row made by buildUsageRow: the only kind the writer accepts, so no caller can hand it a row
 * that skipped the status mapping or the clamping. (Rows read back from the spool were built
 * before they were spooled.)
 */
export type UsageRow = UsageRecord & { readonly [built]: true }

/** Who made the call and when: what the gateway knows before the call has an outcome. */
export type CallContext = {
  userId: string
  service: ServiceType
  endpoint: string
  requestId: string
  campaignId: string | null
  ip: string | null
  userAgent: string | null
  /** Already sanitized (lib/gateway/sanitize.ts). */
  requestPayload: unknown
  auth: 'api_key' | 'session' | 'service_key'
  apiKeyId: string | null
  /** The service key that acted for this user (one of the product's own users), if any. */
  serviceKeyId?: string | null
  /** The row's time: when the call arrived (a video job: when it ended), even if written late. */
  at: Date
  latencyMs: number
  /** Admitted from this process's quota lease (lib/gateway/lease.ts): what it took of it. */
  lease?: UsageRecord['lease']
}

type CostColumns = Pick<UsageRecord, 'input_cost' | 'output_cost' | 'generation_cost' | 'total_cost' | 'price_snapshot' | 'cost_status'>

/** What a call measured: its cost columns always, its counts when it has them, and how it ended. */
export type Outcome = CostColumns & {
  provider: string
  model: string
  /** The code of the error the call ended with (AppError codes, generation_failed); absent: it succeeded. */
  error_code?: string | null
  input_tokens?: number
  output_tokens?: number
  cached_tokens?: number
  reasoning_tokens?: number
  images_generated?: number
  video_seconds?: number
  time_to_first_token_ms?: number | null
  /** Already sanitized. */
  response_payload?: unknown
  metadata?: Record<string, unknown>
}

// Error codes that are not failures of the call itself but the caller's limits or the caller
// leaving; every other code is an error.
const STATUS_OF_ERROR = new Map<string, UsageStatus>([
  ['client_closed_request', 'client_aborted'],
  ['rate_limited', 'rate_limited'],
  ['usage_limit_exceeded', 'limit_exceeded'],
])

/** The row status of a call that ended with `errorCode` (none: success). */
export function usageStatus(errorCode: string | null | undefined): UsageStatus {
  if (!errorCode) return 'success'
  return STATUS_OF_ERROR.get(errorCode) ?? 'error'
}

const INT_MAX = 2_147_483_647
// numeric(12,3) holds at most 999,999,999.999.
const VIDEO_SECONDS_MAX = 999_999_999.999
const COUNTS = ['input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'images_generated', 'latency_ms', 'time_to_first_token_ms'] as const

/** A count as its integer column (>= 0) accepts it: an upstream's odd number or a skewed clock must not cost the row. */
const clampInteger = (v: number) => (Number.isFinite(v) ? Math.min(INT_MAX, Math.max(0, Math.round(v))) : 0)

function clampCounts(row: UsageRecord): UsageRecord {
  const out = { ...row }
  for (const key of COUNTS) {
    const v = out[key]
    if (v !== undefined && v !== null) out[key] = clampInteger(v)
  }
  if (out.video_seconds !== undefined) {
    const s = out.video_seconds
    out.video_seconds = Number.isFinite(s) ? Math.min(VIDEO_SECONDS_MAX, Math.max(0, Math.round(s * 1000) / 1000)) : 0
  }
  return out
}

/** The complete usage row of one call. Pure. */
export function buildUsageRow(context: CallContext, outcome: Outcome): UsageRow {
  const { error_code: errorCode = null, metadata, ...measured } = outcome
  const row: UsageRecord = {
    user_id: context.userId,
    service_type: context.service,
    endpoint: context.endpoint,
    request_id: context.requestId,
    campaign_id: context.campaignId,
    ip_address: context.ip,
    user_agent: context.userAgent,
    request_payload: context.requestPayload,
    created_at: context.at.toISOString(),
    latency_ms: context.latencyMs,
    ...measured,
    status: usageStatus(errorCode),
    error_code: errorCode,
    metadata: { auth: context.auth, ...(context.apiKeyId ? { api_key_id: context.apiKeyId } : {}), ...(context.serviceKeyId ? { service_key_id: context.serviceKeyId } : {}), ...metadata },
    ...(context.lease ? { lease: context.lease } : {}),
  }
  return clampCounts(row) as UsageRow
}

/**
 * The cost columns of a usage row from the cost engine's answer. `counted`: the quantities were
 * Tollgate's own count, not the vendor's (it sent no usage), so a priced cost is `estimated`.
 */
export function costColumns(cost: CostBreakdown, simulated: boolean, counted = false): CostColumns {
  return {
    input_cost: cost.inputCost,
    output_cost: cost.outputCost,
    generation_cost: cost.generationCost,
    total_cost: cost.totalCost,
    // A simulated call is priced as the real model would be, and says so in its snapshot.
    price_snapshot: cost.priceSnapshot ? { ...cost.priceSnapshot, ...(simulated ? { simulated: true } : {}) } : cost.note ? { note: cost.note } : null,
    cost_status: counted && cost.costStatus === 'priced' ? 'estimated' : cost.costStatus,
  }
}

/** The cost columns of a call that was refused or failed before it could cost anything. */
export const ZERO_COST = {
  input_cost: '0',
  output_cost: '0',
  generation_cost: '0',
  total_cost: '0',
  price_snapshot: null,
  cost_status: 'priced',
} as const satisfies CostColumns
