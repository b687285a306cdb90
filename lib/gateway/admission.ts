import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { forgetApiKey, invalidKey } from '@/lib/gateway/identity'
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
  rate: { limit: number; remaining: number; reset_seconds: number } | null
  retry_after_seconds: number | null
}

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
 * Admits or refuses a call in one database round trip (API key, campaign, rate, quota, budget,
 * hold; the limits the subscription's status allows). Refusals throw a 429 AppError
 * carrying the limit that was hit (400 for a campaign that is not the caller's, or archived);
 * the caller's wrapper records it.
 */
export async function admitCall(input: {
  userId: string
  /** The API key the call came with (null for a browser session): re-checked in the same round trip. */
  apiKeyId: string | null
  service: ServiceType
  units: number
  estimatedCost: string | null
  requestId: string
  upgradeUrl: string
  /** The campaign the call is tagged with (a UUID): must be the caller's and not archived. */
  campaignId?: string | null
}): Promise<Admission> {
  const { rows } = await pool().query<{ result: Admission }>('select public.gateway_admit($1::uuid, $2, $3::int, $4::numeric, $5, $6::int, $7::uuid, $8::int, $9::uuid) as result', [
    input.userId,
    input.service,
    input.units,
    input.estimatedCost ?? '0',
    input.requestId,
    holdSeconds(input.service),
    input.apiKeyId,
    env.PAST_DUE_GRACE_DAYS,
    input.campaignId ?? null,
  ])
  const admission = rows[0].result
  if (admission.admitted) return admission
  if (admission.code === 'invalid_campaign') throw campaignRefused(input.campaignId!, admission.campaign ?? 'unknown')
  if (admission.code === 'invalid_api_key') {
    // Revoked (or deleted) since this process cached it.
    forgetApiKey(input.apiKeyId!)
    throw invalidKey()
  }
  const headers = { ...rateHeaders(admission), 'retry-after': String(admission.retry_after_seconds ?? 60) }
  const limit = admission.exceeded!
  if (admission.code === 'rate_limited') {
    throw new AppError('rate_limited', `Rate limit reached: ${limit.max} ${input.service} requests per minute. Try again in ${admission.retry_after_seconds} s.`, {
      headers,
      extra: { limit_name: limit.limit, used: limit.used, limit: limit.max, resets_at: limit.resets_at },
    })
  }
  throw new AppError('usage_limit_exceeded', admission.held_by ? heldMessage(admission.held_by) : LIMIT_MESSAGE, {
    // Retry-After runs to the end of the period (days): the OpenAI SDK would sleep that long
    // before retrying, so it is told not to retry at all.
    headers: { ...headers, 'x-should-retry': 'false' },
    extra: { limit_name: limit.limit, used: limit.used, limit: limit.max, resets_at: limit.resets_at, upgrade_url: input.upgradeUrl, ...(admission.held_by ? { subscription_status: admission.held_by } : {}) },
  })
}

/**
 * Counts a call refused before admission (bad input, unknown model, over quota) against the
 * caller's request rate, as an admitted call counts: otherwise refused calls could be sent
 * without limit, each leaving a row. Returns the 429 to answer instead when the rate was
 * already full, else null.
 */
export async function countRefusal(userId: string, service: ServiceType): Promise<AppError | null> {
  const { rows } = await pool().query<{ result: { limited: boolean; limit?: number; used?: number; retry_after_seconds?: number; resets_at?: string } }>(
    'select public.gateway_count_refusal($1::uuid, $2) as result',
    [userId, service],
  )
  const r = rows[0].result
  if (!r.limited) return null
  return new AppError('rate_limited', `Rate limit reached: ${r.limit} ${service} requests per minute. Try again in ${r.retry_after_seconds} s.`, {
    headers: {
      'retry-after': String(r.retry_after_seconds),
      'x-ratelimit-limit-requests': String(r.limit),
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${r.retry_after_seconds}s`,
    },
    extra: { limit_name: 'requests_per_minute', used: r.used, limit: r.limit, resets_at: r.resets_at },
  })
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
  const headers: Record<string, string> = {}
  if (admission.rate) {
    headers['x-ratelimit-limit-requests'] = String(admission.rate.limit)
    headers['x-ratelimit-remaining-requests'] = String(admission.rate.remaining)
    headers['x-ratelimit-reset-requests'] = `${admission.rate.reset_seconds}s`
  }
  if (admission.admitted && admission.warnings.length)
    headers['x-tollgate-warning'] = `over ${admission.warnings.join(', ')} (soft enforcement: allowed, an alert was raised)`
  return headers
}
