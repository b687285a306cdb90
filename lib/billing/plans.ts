// The plan catalog. Limits are per billing period; requests and tokens per minute apply to each service.
// The Demo plan keeps the seed's values (docs/seed-names.md): 999,999 of everything for a year,
// tracked but never refused (its request rate is enforced), then the user moves to Free.
// The same catalog is in public.plans (20241108; tokens and service quotas 20241122), which admission, the end of the Demo and
// the signup trigger read; plans.test.ts checks the two agree.
import type { OtherService, Service } from '@/lib/services'

export const PLAN_IDS = ['demo', 'free', 'pro', 'business'] as const
export type PlanId = (typeof PLAN_IDS)[number]
export type EnforcementMode = 'off' | 'soft' | 'hard'

export type Plan = {
  id: PlanId
  name: string
  description: string
  /** USD per month, as a decimal string; '0' for free plans. */
  price: string
  limits: Record<Service, number>
  requestsPerMinute: number
  /** Tokens (input + output) a minute per service, beside the requests; null for no token limit. */
  tokensPerMinute: number | null
  /** Per-period call quotas of services without quota columns (embeddings, audio, moderation); a missing one has none. */
  serviceLimits: Partial<Record<OtherService, number>>
  /** USD per period, decimal string; null for no budget. */
  monthlyBudget: string | null
  enforcement: EnforcementMode
  /** How long a period lasts when the plan starts one itself (Stripe sets its own). */
  period: '1 month' | '1 year'
}

export const PLANS: Record<PlanId, Plan> = {
  demo: {
    id: 'demo',
    name: 'Demo Plan - Unlimited Access',
    description: 'Every feature, unlimited, while you evaluate Tollgate. Usage is tracked for analytics.',
    price: '0',
    limits: { content: 999_999, image: 999_999, video: 999_999, chat: 999_999 },
    requestsPerMinute: 600,
    tokensPerMinute: 20_000_000,
    serviceLimits: {},
    monthlyBudget: null,
    enforcement: 'off',
    period: '1 year',
  },
  free: {
    id: 'free',
    name: 'Free',
    description: 'For trying things out: small monthly allowances, hard limits.',
    price: '0',
    limits: { content: 25, image: 10, video: 2, chat: 200 },
    requestsPerMinute: 10,
    tokensPerMinute: 200_000,
    serviceLimits: {},
    monthlyBudget: '1',
    enforcement: 'hard',
    period: '1 month',
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    description: 'For individuals and small teams shipping AI features.',
    price: '29',
    limits: { content: 500, image: 250, video: 25, chat: 5_000 },
    requestsPerMinute: 60,
    tokensPerMinute: 1_000_000,
    serviceLimits: {},
    monthlyBudget: '50',
    enforcement: 'hard',
    period: '1 month',
  },
  business: {
    id: 'business',
    name: 'Business',
    description: 'High limits, soft enforcement: alerts instead of refusals.',
    price: '199',
    limits: { content: 5_000, image: 2_500, video: 250, chat: 50_000 },
    requestsPerMinute: 300,
    tokensPerMinute: 5_000_000,
    serviceLimits: {},
    monthlyBudget: '500',
    enforcement: 'soft',
    period: '1 month',
  },
}

export function isPlanId(value: string): value is PlanId {
  // Not `value in PLANS`: that is true for 'toString' and every other inherited name.
  return (PLAN_IDS as readonly string[]).includes(value)
}

/** How many months a period of the plan lasts when the plan starts one itself. */
export function periodMonths(plan: Plan): number {
  return plan.period === '1 year' ? 12 : 1
}
