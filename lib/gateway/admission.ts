import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { forgetApiKey, invalidKey } from '@/lib/gateway/identity'
import { admitFromLease, keepLease, leaseAnswered, leaseBeingAsked, leaseCallsWanted, type LeaseGrant, type LeaseTake } from '@/lib/gateway/lease'
import type { ServiceType } from '@/lib/services'
import { formatUsd, parseUsd } from '@/lib/pricing/money'

/** What public.gateway_admit answers. */
export type Admission = {
  admitted: boolean
  code: 'rate_limited' | 'usage_limit_exceeded' | 'invalid_api_key' | 'invalid_campaign' | null
  /** With invalid_campaign: why the campaign was refused. */
  campaign?: 'unknown' | 'archived'
  exceeded: { limit: string; used: number | string; max: number | string; resets_at: string } | null
  warnings: string[]
  enforcement_mode: 'off' | 'soft' | 'hard'
  /** The subscription status holding the caller to Free limits (unpaid, past_due past its grace…); null when the plan applies. */
  held_by: string | null
  period_end: string
  rate: RateState | null
  /** Rate refusals: the exact wait in seconds (fractional); other refusals: whole seconds to the period's end. */
  retry_after_seconds: number | null
  /** A slice of the user's limits reserved for this process (gateway_lease). */
  lease?: LeaseGrant
  /** Admitted from this process's lease, not by the database: what the call took of it (its row carries it). */
  leaseTake?: LeaseTake
  /** Refused while slices of the user were out: they are being given back, ask again (see admitCall). */
  leased?: boolean
}

/**
 * The request (and token) rate as the database left it for this call: limits, what is left of
 * the minute, and the exact seconds until it resets (public.rate_state()).
 */
export type RateState = {
  limit: number
  remaining: number
  reset_seconds: number
  /** null: no tokens-per-minute limit applies. */
  tokens: { limit: number; remaining: number; reset_seconds: number } | null
}

type RateExceeded = { limit: string; used: number; max: number; resets_at: string | null; reset_seconds: number | null; requested?: number }

export const LIMIT_MESSAGE = 'You have reached your monthly limit. Upgrade your plan to continue.'

/**
 * How long a hold outlives its call: past the upstream timeout (twice, for polled images),
 * at least ten minutes (a stream is cut before its hold expires, see chat.ts), or a video
 * job's life.
 */
export function holdSeconds(service: ServiceType): number {
  return service === 'video' ? 6 * 60 * 60 : Math.max(600, Math.ceil((2 * env.UPSTREAM_TIMEOUT_MS) / 1000) + 60)
}

/**
 * Admits or refuses a call: from this process's quota lease when it has one for the caller that
 * covers the call (no round trip: lib/gateway/lease.ts), else in one database round trip (API
 * key, campaign, rate, quota, budget, hold; the limits the subscription's status allows), which
 * may also grant a lease for the calls to come. Refusals throw a 429 AppError carrying the
 * limit that was hit (400 for a campaign that is not the caller's, or archived); the caller's
 * wrapper records it.
 */
export async function admitCall(input: {
  userId: string
  /** The API key the call came with (null for a browser session): re-checked in the same round trip. */
  apiKeyId: string | null
  /** Which credential the call came with (a lease serves that credential only): the key's id, a service key's, or the session. */
  credential?: string
  service: ServiceType
  units: number
  /** The hold; a function is called only when admission needs it (see lease.ts). */
  estimatedCost: string | null | (() => string | null)
  requestId: string
  upgradeUrl: string
  /** The campaign the call is tagged with (a UUID): must be the caller's and not archived. */
  campaignId?: string | null
  /** Tokens the call may use (prompt estimate + the output cap held), booked against the tokens-per-minute limit; 0 for calls without tokens. */
  tokens?: number | (() => number)
  /** A cheap bound on the tokens (never less than them), taken instead by a lease with room for it. */
  tokensAtMost?: () => number
}): Promise<Admission> {
  const leaseInput = {
    userId: input.userId, service: input.service, credential: input.credential ?? input.apiKeyId ?? 'session', units: input.units,
    estimatedCost: input.estimatedCost, tokens: input.tokens ?? 0, tokensAtMost: input.tokensAtMost, campaignId: input.campaignId ?? null,
  }
  let local = admitFromLease(leaseInput)
  if (local) return { ...local.admission, leaseTake: local.take }
  // Another call of this key is asking for a lease: its answer comes first, then this call tries it.
  const asked = leaseBeingAsked(leaseInput)
  if (asked) {
    await asked
    local = admitFromLease(leaseInput)
    if (local) return { ...local.admission, leaseTake: local.take }
  }
  const estimatedCost = typeof input.estimatedCost === 'function' ? input.estimatedCost() : input.estimatedCost
  const tokens = Math.max(0, Math.ceil((typeof input.tokens === 'function' ? input.tokens() : input.tokens) ?? 0))
  // With leases on, admission goes through gateway_lease even when this call wants no slice:
  // it is also what says a refusal came while slices were out (see below).
  const leaseCalls = leaseCallsWanted(leaseInput)
  const admit = env.QUOTA_LEASE_MS > 0
    ? 'select public.gateway_lease($1::uuid, $2, $3::int, $4::numeric, $5, $6::int, $7::uuid, $8::int, $9::uuid, $10::bigint, $11::int, $12::int, $13::bigint) as result'
    : 'select public.gateway_admit($1::uuid, $2, $3::int, $4::numeric, $5, $6::int, $7::uuid, $8::int, $9::uuid, $10::bigint) as result'
  const ask = async () => (await pool().query<{ result: Admission }>(admit, [
    input.userId,
    input.service,
    input.units,
    estimatedCost ?? '0',
    input.requestId,
    holdSeconds(input.service),
    input.apiKeyId,
    env.PAST_DUE_GRACE_DAYS,
    input.campaignId ?? null,
    tokens,
    // The slice is sized for calls at the cheap bound, so the next ones can take it uncounted.
    ...(env.QUOTA_LEASE_MS > 0 ? [leaseCalls, Math.ceil(env.QUOTA_LEASE_MS / 1000), Math.max(tokens, Math.ceil(input.tokensAtMost?.() ?? 0))] : []),
  ])).rows[0].result
  let admission: Admission
  try {
    admission = await ask()
    // Refused while other instances' slices of this user were out: they were told to give them
    // back; ask again until they have (a refusal is final only with no slice out).
    for (let wait = 10, waited = 0; !admission.admitted && admission.leased && waited < env.QUOTA_LEASE_MS + 1_000; waited += wait, wait = Math.min(wait * 2, 200)) {
      await new Promise((resolve) => setTimeout(resolve, wait))
      admission = await ask()
    }
    if (admission.admitted) {
      keepLease({ ...leaseInput, estimatedCost, tokens }, admission)
      return admission
    }
  } finally {
    // After keepLease: the calls that waited find the new lease.
    if (leaseCalls > 0) leaseAnswered(leaseInput)
  }
  if (admission.code === 'invalid_campaign') throw campaignRefused(input.campaignId!, admission.campaign ?? 'unknown')
  if (admission.code === 'invalid_api_key') {
    // Revoked (or deleted) since this process cached it.
    forgetApiKey(input.apiKeyId!)
    throw invalidKey()
  }
  if (admission.code === 'rate_limited') throw rateLimited(admission.exceeded as unknown as RateExceeded, input.service, admission.rate)
  const headers = { ...rateHeaders(admission), 'retry-after': String(admission.retry_after_seconds ?? 60) }
  const limit = admission.exceeded!
  throw new AppError('usage_limit_exceeded', admission.held_by ? heldMessage(admission.held_by) : LIMIT_MESSAGE, {
    // Retry-After runs to the end of the period (days): the OpenAI SDK would sleep that long
    // before retrying, so it is told not to retry at all.
    headers: { ...headers, 'x-should-retry': 'false' },
    extra: { limit_name: limit.limit, used: limit.used, limit: limit.max, resets_at: limit.resets_at, upgrade_url: input.upgradeUrl, ...(admission.held_by ? { subscription_status: admission.held_by } : {}) },
  })
}

/**
 * The 429 of a full rate window: Retry-After is the exact wait rounded up (always under 60 s, so
 * the SDKs honour it and retry once), retry-after-ms the exact wait. A call larger than the whole
 * tokens-per-minute limit can never fit: it says so and tells clients not to retry.
 */
function rateLimited(exceeded: RateExceeded, service: ServiceType, rate: RateState | null): AppError {
  const extra = { limit_name: exceeded.limit, used: exceeded.used, limit: exceeded.max, resets_at: exceeded.resets_at }
  const headers = rate ? rateHeaderValues(rate) : {}
  if (exceeded.reset_seconds === null) {
    return new AppError('rate_limited', `Request too large: it may use ${exceeded.requested} tokens, more than the limit of ${exceeded.max} ${service} tokens per minute. Ask for fewer output tokens (max_tokens) or send a shorter prompt.`, {
      headers: { ...headers, 'x-should-retry': 'false' },
      extra: { ...extra, requested: exceeded.requested },
    })
  }
  const wait = exceeded.reset_seconds
  const what = exceeded.limit === 'tokens_per_minute' ? 'tokens' : 'requests'
  return new AppError('rate_limited', `Rate limit reached: ${exceeded.max} ${service} ${what} per minute. Try again in ${formatDuration(wait)}.`, {
    headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(wait))), 'retry-after-ms': millis(wait) },
    extra,
  })
}

/**
 * Counts a call refused before admission (bad input, unknown model, over quota) against the
 * caller's request rate, as an admitted call counts: otherwise refused calls could be sent
 * without limit, each leaving a row. Answers the rate headers the refusal carries and, when the
 * rate was already full, the 429 to answer instead.
 */
export async function countRefusalWithRate(userId: string, service: ServiceType): Promise<{ limited: AppError | null; headers: Record<string, string> }> {
  const { rows } = await pool().query<{ result: { limited: boolean; exceeded?: RateExceeded; rate: RateState | null } }>(
    'select public.gateway_count_refusal($1::uuid, $2, $3::int) as result',
    [userId, service, env.PAST_DUE_GRACE_DAYS],
  )
  const r = rows[0].result
  const headers = r.rate ? rateHeaderValues(r.rate) : {}
  return { limited: r.limited ? rateLimited(r.exceeded!, service, r.rate) : null, headers }
}

/** countRefusalWithRate's 429, or null (callers that answer no rate headers of their own). */
export async function countRefusal(userId: string, service: ServiceType): Promise<AppError | null> {
  return (await countRefusalWithRate(userId, service)).limited
}

/** The 400 for a campaign that is not the caller's (or does not exist), or is archived. */
export function campaignRefused(campaignId: string, why: 'unknown' | 'archived'): AppError {
  return new AppError('invalid_request', why === 'archived' ? `Campaign ${campaignId} is archived` : `Unknown campaign ${campaignId}`, { param: 'campaign' })
}

/** Why a paying plan's caller got Free limits: their subscription's status. */
export function heldMessage(status: string): string {
  const state = status === 'past_due' ? 'past due' : status
  return `You have reached the Free plan's limit: your subscription is ${state}, so Free limits apply until it is paid. Update your billing to continue.`
}

/**
 * The room left in the monthly cost budget (USD, > 0) when `error` is admission refusing a call
 * for its budget alone; else null. The refusal carries the budget and its use (spend plus holds
 * in flight) as gateway_admit saw them under the subscription's lock.
 */
export function budgetRoom(error: unknown): string | null {
  if (!(error instanceof AppError) || error.code !== 'usage_limit_exceeded' || error.extra?.limit_name !== 'monthly_cost_budget') return null
  try {
    const room = parseUsd(String(error.extra.limit)) - parseUsd(String(error.extra.used))
    return room > 0n ? formatUsd(room) : null
  } catch {
    return null // not decimals this module can read: no room to offer, the refusal stands
  }
}

/** OpenAI's rate-limit headers, for every admitted or refused call; plus a warning under soft enforcement. */
export function rateHeaders(admission: Admission): Record<string, string> {
  const headers: Record<string, string> = admission.rate ? rateHeaderValues(admission.rate) : {}
  if (admission.admitted && admission.warnings.length)
    headers['x-tollgate-warning'] = `over ${admission.warnings.join(', ')} (soft enforcement: allowed, an alert was raised)`
  return headers
}

/** x-ratelimit-{limit,remaining,reset}-{requests,tokens}, resets in OpenAI's duration format. */
export function rateHeaderValues(rate: RateState): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit-requests': String(rate.limit),
    'x-ratelimit-remaining-requests': String(rate.remaining),
    'x-ratelimit-reset-requests': formatDuration(rate.reset_seconds),
  }
  if (rate.tokens) {
    headers['x-ratelimit-limit-tokens'] = String(rate.tokens.limit)
    headers['x-ratelimit-remaining-tokens'] = String(rate.tokens.remaining)
    headers['x-ratelimit-reset-tokens'] = formatDuration(rate.tokens.reset_seconds)
  }
  return headers
}

/**
 * A duration as OpenAI's x-ratelimit-reset-* headers write it (Go's time.Duration format):
 * "0s", "873ms", "1.2s", "59.874s", "6m0s", "1h2m3.5s". Rounded up to the millisecond, so a
 * client that waits what it says never comes back early.
 */
export function formatDuration(seconds: number): string {
  const ms = Math.ceil(Math.max(0, seconds) * 1000 - 1e-6)
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const rest = (ms % 60_000) / 1000
  // (via toFixed: whole milliseconds, without float noise like 1.2000000000000002)
  const secs = `${Number(rest.toFixed(3))}s`
  return h ? `${h}h${m}m${secs}` : m ? `${m}m${secs}` : secs
}

/** Seconds as exact milliseconds for retry-after-ms ("59873.512"; the database keeps microseconds). */
function millis(seconds: number): string {
  return String(Math.round(seconds * 1_000_000) / 1000)
}
