import 'server-only'
import { z } from 'zod'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'
import { withOperatorRead, type OperatorTx } from '@/lib/admin/db'
import { invalidatePlans, PLAN_COLUMNS, PLAN_ID_PATTERN, planFromRow, type Plan, type PlanRow } from '@/lib/billing/plans'
import { AppError } from '@/lib/errors'

// Plans as data: operators create and edit public.plans here (console, CLI, operator API), each
// write audited. A change reaches a plan's subscribers at their next period (the trigger of
// 20241126 applies it when the period moves) unless the operator applies it now: then every
// subscriber takes it in the same transaction, and the audit row says how many did. Either way
// a term an operator set for one user (a value that differs from what the plan gave) is kept:
// it was a decision about that user, which a catalog edit is not.

const Count = (field: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${field} must be a whole number` })
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` })
const Amount = (field: string) => z.string().trim().regex(/^\d{1,12}(\.\d{1,12})?$/, { error: `${field} must be a decimal amount, like 29 or 12.50` })
const LIMIT_MAX = 999_999_999

/** Every term of a plan, flat (the console's form fields and the API's body use the same names). */
export const PlanFieldsSchema = z.object({
  name: z.string({ error: 'name is required' }).trim().min(1, { error: 'name is required' }).max(100, { error: 'name is at most 100 characters' }),
  description: z.string().trim().max(500, { error: 'description is at most 500 characters' }).default(''),
  price: Amount('price'),
  currency: z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, { error: 'currency is a three-letter code, like usd' }).default('usd'),
  stripe_price_id: z.string().trim().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'stripe_price_id is a Stripe price id, like price_1Pq…' }).nullable().default(null),
  limit_content: Count('limit_content', 0, LIMIT_MAX),
  limit_image: Count('limit_image', 0, LIMIT_MAX),
  limit_video: Count('limit_video', 0, LIMIT_MAX),
  limit_chat: Count('limit_chat', 0, LIMIT_MAX),
  // Services without quota columns: null (an empty field) is no quota.
  limit_embedding: Count('limit_embedding', 0, LIMIT_MAX).nullable().default(null),
  limit_audio: Count('limit_audio', 0, LIMIT_MAX).nullable().default(null),
  limit_moderation: Count('limit_moderation', 0, LIMIT_MAX).nullable().default(null),
  monthly_cost_budget: Amount('monthly_cost_budget').nullable().default(null),
  requests_per_minute: Count('requests_per_minute', 1, 1_000_000),
  tokens_per_minute: Count('tokens_per_minute', 1, 2_147_483_647).nullable().default(null),
  enforcement_mode: z.enum(['off', 'soft', 'hard'], { error: 'enforcement_mode must be off, soft or hard' }),
  period_months: Count('period_months', 1, 120),
})
export type PlanFields = z.infer<typeof PlanFieldsSchema>

export const PlanIdSchema = z.string({ error: 'id is required' }).trim().regex(PLAN_ID_PATTERN, { error: 'id is lower case letters, digits and _ (starting with a letter), at most 50' })
export const NewPlanSchema = PlanFieldsSchema.extend({ id: PlanIdSchema })
/** When a change reaches the plan's subscribers. */
export const ApplyWhenSchema = z.enum(['next_period', 'now'], { error: 'apply must be next_period or now' })
export type ApplyWhen = z.infer<typeof ApplyWhenSchema>

export type PlanWithSubscribers = Plan & { subscribers: number }

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError('invalid_request', issue.message, { param: String(issue.path[0] ?? '') || undefined })
  }
  return parsed.data
}

async function readPlan(tx: OperatorTx, id: string, lock = false): Promise<Plan | null> {
  const rows = lock
    ? await tx.$queryRawUnsafe<PlanRow[]>(`select ${PLAN_COLUMNS} from public.plans where id = $1 for update`, id)
    : await tx.$queryRawUnsafe<PlanRow[]>(`select ${PLAN_COLUMNS} from public.plans where id = $1`, id)
  return rows[0] ? planFromRow(rows[0]) : null
}

/** The Stripe price is another plan's already: a 409 naming it (checked before the unique index would refuse). */
async function checkPrice(tx: OperatorTx, id: string, price: string | null): Promise<void> {
  if (price === null) return
  const rows = await tx.$queryRaw<{ id: string }[]>`select id from public.plans where stripe_price_id = ${price} and id <> ${id}`
  if (rows[0]) throw new AppError('conflict', `Stripe price ${price} already sells the ${rows[0].id} plan: a price sells one plan.`, { param: 'stripe_price_id' })
}

/** Unique violations a concurrent write got past checkPrice with, in words. */
function conflictOf(thrown: unknown, id: string): never {
  const text = String((thrown as Error)?.message ?? '')
  if (text.includes('plans_stripe_price_id_key')) throw new AppError('conflict', 'That Stripe price already sells another plan.', { param: 'stripe_price_id' })
  if (text.includes('plans_pkey')) throw new AppError('conflict', `A plan with id ${id} exists already.`, { param: 'id' })
  throw thrown
}

function columns(f: PlanFields) {
  const serviceLimits = Object.fromEntries(
    (['embedding', 'audio', 'moderation'] as const).flatMap((s) => (f[`limit_${s}`] === null ? [] : [[s, f[`limit_${s}`]]])),
  )
  return { ...f, service_limits: JSON.stringify(serviceLimits) }
}

/** A new plan (subscribers come through setUserPlan, Stripe checkout, or SIGNUP_PLAN). */
export async function createPlan(actor: Actor, input: unknown): Promise<Plan> {
  const f = parse(NewPlanSchema, input)
  const c = columns(f)
  const plan = await auditedWrite(actor, 'plan.create', { label: f.id }, async (tx) => {
    if (await readPlan(tx, f.id)) throw new AppError('conflict', `A plan with id ${f.id} exists already.`, { param: 'id' })
    await checkPrice(tx, f.id, f.stripe_price_id)
    await tx.$executeRaw`
      insert into public.plans (id, name, description, price, currency, stripe_price_id,
                                content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
                                service_limits, monthly_cost_budget, requests_per_minute, tokens_per_minute, enforcement_mode, period_months)
      values (${f.id}, ${f.name}, ${f.description}, ${f.price}::numeric, ${f.currency}, ${f.stripe_price_id},
              ${f.limit_content}::int, ${f.limit_image}::int, ${f.limit_video}::int, ${f.limit_chat}::int,
              ${c.service_limits}::jsonb, ${f.monthly_cost_budget}::numeric, ${f.requests_per_minute}::int, ${f.tokens_per_minute}::int,
              ${f.enforcement_mode}, ${f.period_months}::int)`.catch((e) => conflictOf(e, f.id))
    const after = (await readPlan(tx, f.id))!
    return { before: null, after, result: after }
  })
  invalidatePlans()
  return plan
}

export type PlanUpdate = { plan: Plan; applied: ApplyWhen; subscribersUpdated: number }

/**
 * Replaces a plan's terms (every field; the id stays). `apply`: 'next_period' (each subscriber
 * at their next period) or 'now' (every subscriber in this transaction; the count is audited).
 */
export async function updatePlan(actor: Actor, id: string, input: unknown, apply: unknown = 'next_period'): Promise<PlanUpdate> {
  const planId = parse(PlanIdSchema, id)
  const f = parse(PlanFieldsSchema, input)
  const when = parse(ApplyWhenSchema, apply)
  const c = columns(f)
  const result = await auditedWrite(actor, 'plan.update', { label: planId }, async (tx) => {
    const before = await readPlan(tx, planId, true)
    if (!before) throw new AppError('not_found', `No plan ${planId}.`)
    await checkPrice(tx, planId, f.stripe_price_id)
    await tx.$executeRaw`
      update public.plans set name = ${f.name}, description = ${f.description}, price = ${f.price}::numeric, currency = ${f.currency},
             stripe_price_id = ${f.stripe_price_id},
             content_generations_limit = ${f.limit_content}::int, image_generations_limit = ${f.limit_image}::int,
             video_generations_limit = ${f.limit_video}::int, chat_messages_limit = ${f.limit_chat}::int,
             service_limits = ${c.service_limits}::jsonb, monthly_cost_budget = ${f.monthly_cost_budget}::numeric,
             requests_per_minute = ${f.requests_per_minute}::int, tokens_per_minute = ${f.tokens_per_minute}::int,
             enforcement_mode = ${f.enforcement_mode}, period_months = ${f.period_months}::int
       where id = ${planId}`.catch((e) => conflictOf(e, planId))
    const after = (await readPlan(tx, planId))!
    const count = when === 'now' ? ((await tx.$queryRaw<{ n: number }[]>`select public.apply_plan_now(${planId}) as n`)[0]?.n ?? 0) : 0
    const out: PlanUpdate = { plan: after, applied: when, subscribersUpdated: count }
    return { before, after: { ...after, applied: when, subscribers_updated: count }, result: out }
  })
  invalidatePlans()
  return result
}

/** The fields of a plan as the form (and updatePlan) take them. */
export function planFields(p: Plan): PlanFields {
  return {
    name: p.name,
    description: p.description,
    price: p.price,
    currency: p.currency,
    stripe_price_id: p.stripePriceId,
    limit_content: p.limits.content,
    limit_image: p.limits.image,
    limit_video: p.limits.video,
    limit_chat: p.limits.chat,
    limit_embedding: p.serviceLimits.embedding ?? null,
    limit_audio: p.serviceLimits.audio ?? null,
    limit_moderation: p.serviceLimits.moderation ?? null,
    monthly_cost_budget: p.monthlyBudget,
    requests_per_minute: p.requestsPerMinute,
    tokens_per_minute: p.tokensPerMinute,
    enforcement_mode: p.enforcement,
    period_months: p.periodMonths,
  }
}

/** Every plan with how many subscriptions are on it (the console's Plans table). */
export async function listPlansWithSubscribers(): Promise<PlanWithSubscribers[]> {
  return withOperatorRead(async (tx) => {
    const rows = await tx.$queryRawUnsafe<(PlanRow & { subscribers: number })[]>(
      `select ${PLAN_COLUMNS}, (select count(*)::int from public.user_subscriptions s where s.plan_type = plans.id) as subscribers
         from public.plans order by created_at, id`,
    )
    return rows.map((r) => ({ ...planFromRow(r), subscribers: r.subscribers }))
  })
}

/** One plan and its subscriber count; null when there is none. */
export async function getPlanWithSubscribers(id: string): Promise<PlanWithSubscribers | null> {
  if (!PLAN_ID_PATTERN.test(id)) return null
  return (await listPlansWithSubscribers()).find((p) => p.id === id) ?? null
}
