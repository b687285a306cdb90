import 'server-only'
import { db } from '@/lib/db/prisma'
import type { Prisma } from '@/lib/generated/prisma/client'
import { PLANS, periodMonths, type EnforcementMode, type PlanId } from '@/lib/billing/plans'
import { SERVICE_IDS, SERVICES, serviceInfo, type Service } from '@/lib/services'

export type PlanChange = {
  /**
   * A new billing period (Stripe's). When absent, the current period is kept if it already
   * has the new plan's length, else a period of the new plan's length starts now.
   */
  period?: { start: Date; end: Date }
  status?: string
  stripeCustomerId?: string | null
  stripeSubscriptionId?: string | null
}

/**
 * Moves a user to a plan: its name, limits, budget, enforcement and request rates. Within a
 * period of the same length the period's use (counters, cost, alerts) is kept, so an upgrade
 * mid-period counts what was already used against the new limits. A plan whose periods have
 * another length starts a period of its own now (Demo's year → Pro's month), with fresh
 * counters: a month's allowance must not last the rest of a Demo year. Privileged (operators,
 * Stripe webhooks); `within`: an open transaction to join.
 */
export async function applyPlan(userId: string, planId: PlanId, change: PlanChange = {}, within?: Prisma.TransactionClient): Promise<void> {
  const plan = PLANS[planId]
  const run = within ? (fn: (tx: Prisma.TransactionClient) => Promise<void>) => fn(within) : (fn: (tx: Prisma.TransactionClient) => Promise<void>) => db().$transaction(fn)
  await run(async (tx) => {
    if (!change.period) {
      // In SQL, so months are calendar months exactly as the period roll counts them.
      const months = periodMonths(plan)
      await tx.$executeRaw`
        update public.user_subscriptions
           set billing_period_start = now(), billing_period_end = now() + make_interval(months => ${months}::int),
               content_generations_used = 0, image_generations_used = 0, video_generations_used = 0, chat_messages_used = 0, period_cost = 0
         where user_id = ${userId}::uuid and billing_period_start + make_interval(months => ${months}::int) <> billing_period_end`
    }
    await tx.userSubscription.update({
      where: { userId },
      data: {
        planType: plan.id,
        planName: plan.name,
        ...limitFields(plan.limits),
        monthlyCostBudget: plan.monthlyBudget,
        enforcementMode: plan.enforcement,
        ...(change.period ? { billingPeriodStart: change.period.start, billingPeriodEnd: change.period.end } : {}),
        ...(change.status ? { status: change.status } : {}),
        ...(change.stripeCustomerId !== undefined ? { stripeCustomerId: change.stripeCustomerId } : {}),
        ...(change.stripeSubscriptionId !== undefined ? { stripeSubscriptionId: change.stripeSubscriptionId } : {}),
      },
    })
    for (const service of SERVICE_IDS) {
      await tx.apiRateLimit.upsert({
        where: { userId_serviceType: { userId, serviceType: service } },
        create: { userId, serviceType: service, requestsPerMinute: plan.requestsPerMinute },
        update: { requestsPerMinute: plan.requestsPerMinute },
      })
    }
  })
}

/** A plan's per-service limits as the subscription's Prisma fields. */
function limitFields(limits: Record<Service, number>): Record<string, number> {
  return Object.fromEntries(SERVICES.map((s) => [s.limitField, limits[s.id]]))
}

/** Operator overrides of one limit, the enforcement mode or the budget, leaving the plan as is. */
export async function setLimit(userId: string, service: Service, limit: number): Promise<void> {
  await db().userSubscription.update({ where: { userId }, data: { [serviceInfo(service).limitField]: limit } })
}

export async function setEnforcement(userId: string, mode: EnforcementMode): Promise<void> {
  await db().userSubscription.update({ where: { userId }, data: { enforcementMode: mode } })
}

export async function setBudget(userId: string, budget: string | null): Promise<void> {
  await db().userSubscription.update({ where: { userId }, data: { monthlyCostBudget: budget } })
}

export async function setRequestsPerMinute(userId: string, service: Service, rpm: number): Promise<void> {
  await db().apiRateLimit.upsert({
    where: { userId_serviceType: { userId, serviceType: service } },
    create: { userId, serviceType: service, requestsPerMinute: rpm },
    update: { requestsPerMinute: rpm },
  })
}
