// The plan catalog: public.plans is the source of truth (operators edit it: lib/admin/plans.ts).
// Limits are per billing period; requests and tokens per minute apply to each service.
// The seed's Demo/Free/Pro/Business are its first rows (migrations 20241108, 20241122, 20241126).
// The Demo plan keeps the seed's values (docs/seed-names.md): 999,999 of everything for a year,
// tracked but never refused (its request rate is enforced), then the user moves to Free.
//
// Reads go through a short per-process cache: pages and the CLI ask often, plans change rarely.
// A write in this process clears it at once; another process sees it within CACHE_MS. Whatever
// applies a plan's terms to a subscription (apply-plan.ts, the signup trigger, the period roll)
// reads the table itself, in its transaction, never this cache.
import { pool } from '@/lib/db/prisma'
import type { OtherService, Service } from '@/lib/services'

/** A plan's id: lower case letters, digits and _ (public.plans' check). */
export type PlanId = string
export type EnforcementMode = 'off' | 'soft' | 'hard'
export const PLAN_ID_PATTERN = /^[a-z][a-z0-9_]{0,49}$/

export type Plan = {
  id: PlanId
  name: string
  description: string
  /** What one period (periodMonths) costs, as a decimal string; '0' for free plans. */
  price: string
  currency: string
  stripePriceId: string | null
  limits: Record<Service, number>
  requestsPerMinute: number
  /** Tokens (input + output) a minute per service, beside the requests; null for no token limit. */
  tokensPerMinute: number | null
  /** Per-period call quotas of services without quota columns (embeddings, audio, moderation); a missing one has none. */
  serviceLimits: Partial<Record<OtherService, number>>
  /** USD per period, decimal string; null for no budget. */
  monthlyBudget: string | null
  enforcement: EnforcementMode
  /** How many months a period lasts when the plan starts one itself (Stripe sets its own). */
  periodMonths: number
  updatedAt: string
}

export type PlanRow = {
  id: string
  name: string
  description: string
  price: string
  currency: string
  stripe_price_id: string | null
  content_generations_limit: number
  image_generations_limit: number
  video_generations_limit: number
  chat_messages_limit: number
  requests_per_minute: number
  tokens_per_minute: number | null
  service_limits: Partial<Record<OtherService, number>>
  monthly_cost_budget: string | null
  enforcement_mode: EnforcementMode
  period_months: number
  updated_at: string
}

/** The columns of a plan as PlanRow reads them (numbers as exact decimal strings, trailing zeros cut). */
export const PLAN_COLUMNS = `id, name, description, trim_scale(price)::text as price, currency, stripe_price_id,
  content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
  requests_per_minute, tokens_per_minute, service_limits, trim_scale(monthly_cost_budget)::text as monthly_cost_budget,
  enforcement_mode, period_months, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at`

export function planFromRow(r: PlanRow): Plan {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    price: r.price,
    currency: r.currency,
    stripePriceId: r.stripe_price_id,
    limits: { content: r.content_generations_limit, image: r.image_generations_limit, video: r.video_generations_limit, chat: r.chat_messages_limit },
    requestsPerMinute: r.requests_per_minute,
    tokensPerMinute: r.tokens_per_minute,
    serviceLimits: r.service_limits ?? {},
    monthlyBudget: r.monthly_cost_budget,
    enforcement: r.enforcement_mode,
    periodMonths: r.period_months,
    updatedAt: r.updated_at,
  }
}

const CACHE_MS = 5_000

// On globalThis: Next may bundle this module twice (server components and route handlers), and
// an invalidation must reach every copy in the process.
const cache = globalThis as unknown as { tollgatePlans?: { at: number; plans: Promise<Plan[]> } }

/** Every plan, the seed's first, then in the order they were created. */
export async function listPlans(): Promise<Plan[]> {
  const hit = cache.tollgatePlans
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.plans
  const plans = pool()
    .query<PlanRow>(`select ${PLAN_COLUMNS} from public.plans order by created_at, id`)
    .then((r) => r.rows.map(planFromRow))
  cache.tollgatePlans = { at: Date.now(), plans }
  // A failed read is not cached.
  plans.catch(() => {
    if (cache.tollgatePlans?.plans === plans) cache.tollgatePlans = undefined
  })
  return plans
}

/** Forgets the cached catalog (after a write of this process). */
export function invalidatePlans(): void {
  cache.tollgatePlans = undefined
}

/** A plan by id; null when there is none. */
export async function getPlan(id: string): Promise<Plan | null> {
  return (await listPlans()).find((p) => p.id === id) ?? null
}

/** Whether `value` names a plan in the catalog (now: plans created later count too). */
export async function isPlanId(value: string): Promise<boolean> {
  return PLAN_ID_PATTERN.test(value) && (await getPlan(value)) !== null
}

/** A plan that must exist (tests and callers that checked it already). */
export async function requirePlan(id: string): Promise<Plan> {
  const plan = await getPlan(id)
  if (!plan) throw new Error(`no plan ${id} in public.plans`)
  return plan
}

/** How many months a period of the plan lasts when the plan starts one itself. */
export function periodMonths(plan: Plan): number {
  return plan.periodMonths
}
