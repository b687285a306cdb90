import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import type { RateState } from '@/lib/gateway/admission'
import type { ServiceType } from '@/lib/services'

/** What public.gateway_check answers (gateway_admit's decision, without the hold). */
export type UsageLimitCheck = {
  /** Whether gateway_admit would admit one more call of this service now. */
  allowed: boolean
  /** Why not: null when allowed. */
  code: 'rate_limited' | 'usage_limit_exceeded' | null
  /**
   * The limit in the way: set when refused, and also when a soft or off enforcement mode
   * would admit the call past it (then `warnings` names it under soft).
   */
  exceeded: { limit: string; used: number | string; max: number | string; resets_at: string } | null
  warnings: string[]
  enforcement_mode: 'off' | 'soft' | 'hard'
  /** The subscription status holding the user to Free limits (unpaid, past_due past its grace…); null when the plan applies. */
  held_by: string | null
  /** The plan admission would apply (an ended Demo year already reads as Free). */
  plan_type: string
  period_end: string
  rate: RateState
  retry_after_seconds: number | null
  /** One sentence for people: why not, or null when allowed with nothing reached. */
  message: string | null
}

/**
 * May this user make one more call of `service` now, and if not, why not. Read-only: the same
 * limits, enforcement mode, held plan and request rate as admission, from the database in one
 * statement, but no lock, no hold and no write, so it is advice — a call made afterwards is
 * admitted or refused by gateway_admit, which may see other calls that took the room first.
 * Privileged (the app's own login); `estimatedCost` is what the call would be held for.
 */
export async function checkUsageLimit(userId: string, service: ServiceType, options: { units?: number; estimatedCost?: string; tokens?: number } = {}): Promise<UsageLimitCheck> {
  const { rows } = await pool().query<{ result: Omit<UsageLimitCheck, 'message'> }>('select public.gateway_check($1::uuid, $2, $3::int, $4::numeric, $5::int, $6::bigint) as result', [
    userId,
    service,
    options.units ?? 1,
    options.estimatedCost ?? '0',
    env.PAST_DUE_GRACE_DAYS,
    Math.max(0, Math.ceil(options.tokens ?? 0)),
  ])
  const result = rows[0].result
  return { ...result, message: describe(result) }
}

function describe(check: Omit<UsageLimitCheck, 'message'>): string | null {
  const over = check.exceeded
  if (!over) return null
  const held = check.held_by ? ` (your subscription is ${check.held_by.replace('_', ' ')}, so the Free plan's limits apply)` : ''
  if (check.code === 'rate_limited') return `Rate limit reached: ${over.max} ${over.limit === 'tokens_per_minute' ? 'tokens' : 'requests'} per minute. Try again in ${check.retry_after_seconds} s.`
  const what = over.limit === 'monthly_cost_budget' ? `the budget of $${over.max}` : `the ${over.limit.replace('_', ' ')} limit of ${over.max}`
  if (!check.allowed) return `You have reached ${what} for this period${held}; it resets at ${over.resets_at}.`
  return `Past ${what} for this period${held}; enforcement is ${check.enforcement_mode}, so calls are still admitted.`
}
