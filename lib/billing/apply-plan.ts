import 'server-only'
import { endLeases } from '@/lib/gateway/lease'
import { db } from '@/lib/db/prisma'
import type { Prisma } from '@/lib/generated/prisma/client'
import type { EnforcementMode, PlanId } from '@/lib/billing/plans'
import { hasQuotaColumns, serviceInfo, type ServiceType } from '@/lib/services'

export type PlanChange = {
  /**
   * A new billing period (Stripe's). When absent, the current period is kept if it already
   * has the new plan's length, else a period of the new plan's length starts now.
   */
  period?: { start: Date; end: Date }
  status?: string
  stripeCustomerId?: string | null
  stripeSubscriptionId?: string | null
  /**
   * A subscription already on `planId` keeps its terms (Stripe's webhooks: an event about the
   * same plan is not a plan change). Its period still moves, and a moved period takes the
   * plan's current terms, overrides kept (the rule of 20241126), so an edited plan reaches a
   * Stripe subscriber at its renewal, not at whatever event comes first.
   */
  samePlanKeepsTerms?: boolean
}

/**
 * Moves a user to a plan: its name, limits (the quota columns and the per-service quota map),
 * budget, enforcement and request and token rates (every service type). Within a
 * period of the same length the period's use (counters, cost, alerts) is kept, so an upgrade
 * mid-period counts what was already used against the new limits. A plan whose periods have
 * another length starts a period of its own now (Demo's year → Pro's month), with fresh
 * counters: a month's allowance must not last the rest of a Demo year. Privileged (operators,
 * Stripe webhooks); `within`: an open transaction to join.
 */
export async function applyPlan(userId: string, planId: PlanId, change: PlanChange = {}, within?: Prisma.TransactionClient): Promise<void> {
  const run = within ? (fn: (tx: Prisma.TransactionClient) => Promise<void>) => fn(within) : (fn: (tx: Prisma.TransactionClient) => Promise<void>) => db().$transaction(fn)
  await run(async (tx) => {
    // The plan's terms are read from public.plans here, in the transaction (never a cache), so
    // what a subscriber gets is the plan as it is now, whichever process applies it.
    const plans = await tx.$queryRaw<{ id: string }[]>`select id from public.plans where id = ${planId}`
    if (plans.length === 0) throw new Error(`no plan ${planId} in public.plans`)
    const [current] = await tx.$queryRaw<{ plan_type: string }[]>`select plan_type from public.user_subscriptions where user_id = ${userId}::uuid`
    if (!current) throw new Error(`user ${userId} has no subscription`)
    const copyTerms = !(change.samePlanKeepsTerms && current.plan_type === planId)
    if (!change.period && copyTerms) {
      // In SQL, so months are calendar months exactly as the period roll counts them.
      await tx.$executeRaw`
        update public.user_subscriptions s
           set billing_period_start = now(), billing_period_end = now() + make_interval(months => p.period_months),
               content_generations_used = 0, image_generations_used = 0, video_generations_used = 0, chat_messages_used = 0,
               service_used = '{}'::jsonb, period_cost = 0
          from public.plans p
         where s.user_id = ${userId}::uuid and p.id = ${planId}
           and s.billing_period_start + make_interval(months => p.period_months) <> s.billing_period_end`
    }
    // plan_terms: the terms given, which the next period compares against (20241126).
    const changed = !copyTerms ? 1 : await tx.$executeRaw`
      update public.user_subscriptions s set
        plan_type = p.id, plan_name = p.name,
        content_generations_limit = p.content_generations_limit, image_generations_limit = p.image_generations_limit,
        video_generations_limit = p.video_generations_limit, chat_messages_limit = p.chat_messages_limit,
        service_limits = p.service_limits, monthly_cost_budget = p.monthly_cost_budget, enforcement_mode = p.enforcement_mode,
        plan_terms = public.plan_terms(p)
        from public.plans p
       where s.user_id = ${userId}::uuid and p.id = ${planId}`
    if (changed !== 1) throw new Error(`user ${userId} has no subscription`)
    const data = {
        ...(change.period ? { billingPeriodStart: change.period.start, billingPeriodEnd: change.period.end } : {}),
        ...(change.status ? { status: change.status } : {}),
        ...(change.stripeCustomerId !== undefined ? { stripeCustomerId: change.stripeCustomerId } : {}),
        ...(change.stripeSubscriptionId !== undefined ? { stripeSubscriptionId: change.stripeSubscriptionId } : {}),
    }
    if (Object.keys(data).length > 0) await tx.userSubscription.update({ where: { userId }, data })
    // The same as public.set_plan_rates (which the end of a Demo calls).
    if (copyTerms) await tx.$executeRaw`select public.set_plan_rates(${userId}::uuid, p.requests_per_minute, p.tokens_per_minute) from public.plans p where p.id = ${planId}`
  })
  // This process's quota leases of the user were granted under the old terms: they admit
  // nothing more from now. Not awaited: giving them back locks the subscription row, which a
  // caller's open transaction (`within`) may hold until it commits.
  void endLeases((lease) => lease.userId === userId)
}

/**
 * Operator overrides of one limit, the enforcement mode or the budget, leaving the plan as is.
 * `setLimit` takes any service type: the seed's four have quota columns; the others keep their
 * quota in the subscription's map (service_limits), where null removes it (budget and rate only).
 */
type Client = Prisma.TransactionClient

export async function setLimit(userId: string, service: ServiceType, limit: number | null, client: Client = db()): Promise<void> {
  if (limit !== null && (!Number.isSafeInteger(limit) || limit < 0 || limit > 999_999_999)) throw new RangeError(`a limit is a whole number 0..999999999, not ${limit}`)
  if (hasQuotaColumns(service)) {
    if (limit === null) throw new RangeError(`${service} always has a limit (its plan's, or an operator's)`)
    await client.userSubscription.update({ where: { userId }, data: { [serviceInfo(service).limitField]: limit } })
    return
  }
  // One statement: a concurrent change of another service's quota is not lost.
  const changed = limit === null
    ? await client.$executeRaw`update public.user_subscriptions set service_limits = service_limits - ${service}::text where user_id = ${userId}::uuid`
    : await client.$executeRaw`update public.user_subscriptions set service_limits = service_limits || jsonb_build_object(${service}::text, ${limit}::int) where user_id = ${userId}::uuid`
  if (changed !== 1) throw new Error(`user ${userId} has no subscription`)
}

export async function setEnforcement(userId: string, mode: EnforcementMode, client: Client = db()): Promise<void> {
  await client.userSubscription.update({ where: { userId }, data: { enforcementMode: mode } })
}

export async function setBudget(userId: string, budget: string | null, client: Client = db()): Promise<void> {
  await client.userSubscription.update({ where: { userId }, data: { monthlyCostBudget: budget } })
}

export async function setRequestsPerMinute(userId: string, service: ServiceType, rpm: number, client: Client = db()): Promise<void> {
  await client.apiRateLimit.upsert({
    where: { userId_serviceType: { userId, serviceType: service } },
    create: { userId, serviceType: service, requestsPerMinute: rpm, tokensPerMinute: await planTokensPerMinute(userId, client) },
    update: { requestsPerMinute: rpm },
  })
}

/** One service's tokens a minute (input + output) for a user; null: no token limit. */
export async function setTokensPerMinute(userId: string, service: ServiceType, tpm: number | null, client: Client = db()): Promise<void> {
  if (tpm !== null && (!Number.isSafeInteger(tpm) || tpm < 1 || tpm > 2_147_483_647)) throw new RangeError(`tokens per minute is a whole number from 1, not ${tpm}`)
  const rows = await client.$queryRaw<{ requests_per_minute: number }[]>`
    select coalesce(p.requests_per_minute, d.requests_per_minute) as requests_per_minute
      from public.plans d
      left join public.user_subscriptions s on s.user_id = ${userId}::uuid
      left join public.plans p on p.id = s.plan_type
     where d.id = 'demo'`
  await client.apiRateLimit.upsert({
    where: { userId_serviceType: { userId, serviceType: service } },
    create: { userId, serviceType: service, requestsPerMinute: rows[0].requests_per_minute, tokensPerMinute: tpm },
    update: { tokensPerMinute: tpm },
  })
}

/** The token rate of the user's plan (a rate row made by an operator starts with it). */
async function planTokensPerMinute(userId: string, client: Client): Promise<number | null> {
  const rows = await client.$queryRaw<{ tpm: number | null }[]>`
    select p.tokens_per_minute as tpm from public.user_subscriptions s join public.plans p on p.id = s.plan_type where s.user_id = ${userId}::uuid`
  return rows[0]?.tpm ?? null
}
