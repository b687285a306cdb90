import 'server-only'
import { z } from 'zod'
import { withOperatorRead } from '@/lib/admin/db'
import { SERVICE_TYPE_IDS, SERVICES } from '@/lib/services'
import { usd } from '@/lib/usage/money'
import { readNewestFirst, recentWindowStart } from '@/lib/usage/recent-window'

// What the console's user page (/admin/users/[id]) shows, read on the operators' path: the
// user, their terms, alerts, recent calls, keys, Stripe ids, and the plans they can be moved to.
// Every read is by the user's id through an index (recent calls: (user_id, created_at desc)).

export type PlanOption = { id: string; name: string }

export type UserDetail = {
  id: string
  email: string | null
  external_id: string | null
  created_at: string
  subscription: {
    plan_type: string
    plan_name: string
    status: string
    enforcement_mode: string
    period_start: string
    period_end: string
    period_cost: string
    budget: string | null
    /** Per service: used this period, the limit (null: none), rates a minute. */
    services: { id: string; used: number; limit: number | null; requests_per_minute: number | null; tokens_per_minute: number | null }[]
    stripe_customer_id: string | null
    stripe_subscription_id: string | null
  } | null
  holds: number
  alerts: { id: string; threshold_percent: number; message: string; created_at: string; acknowledged: boolean }[]
  recent: { id: string; service_type: string; provider: string; model: string; total_cost: string | null; status: string; created_at: string }[]
  keys: { id: string; name: string; prefix: string; last_used_at: string | null; revoked_at: string | null; created_at: string }[]
}

/** The plans an operator can choose, from the plans table (the catalog admission applies). */
export async function listPlanOptions(): Promise<PlanOption[]> {
  return withOperatorRead((tx) => tx.$queryRaw<PlanOption[]>`select id, name from public.plans order by name`)
}

/** One user's page; null when there is no such user. */
export async function getUserDetail(userId: string): Promise<UserDetail | null> {
  if (!z.uuid().safeParse(userId).success) return null
  return withOperatorRead(async (tx) => {
    const [user] = await tx.$queryRaw<{ id: string; email: string | null; external_id: string | null; created_at: Date }[]>`
      select u.id::text, u.email, x.external_id, u.created_at
        from auth.users u left join public.user_external_ids x on x.user_id = u.id where u.id = ${userId}::uuid`
    if (!user) return null
    const [sub, rates, holds, alerts, recent, keys] = await Promise.all([
      tx.userSubscription.findUnique({ where: { userId } }),
      tx.apiRateLimit.findMany({ where: { userId } }),
      // Calls in flight: not the quota leases instances hold (reserved room, not calls).
      tx.usageHold.count({ where: { userId, NOT: { requestId: { startsWith: 'lease_' } } } }),
      tx.usageAlert.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: 20 }),
      // The newest months first (lib/usage/recent-window.ts): the planner plans those only.
      readNewestFirst(recentWindowStart(new Date()), 20, (floor) =>
        tx.apiUsage.findMany({
          where: { userId, ...(floor ? { createdAt: { gte: floor } } : {}) },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 20,
          select: { id: true, serviceType: true, provider: true, model: true, totalCost: true, status: true, createdAt: true },
        }),
      ),
      tx.apiKey.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: 100 }),
    ])
    const rate = new Map(rates.map((r) => [r.serviceType, r]))
    const serviceLimits = (sub?.serviceLimits ?? {}) as Record<string, number>
    const serviceUsed = (sub?.serviceUsed ?? {}) as Record<string, number>
    const quota = new Map<string, (typeof SERVICES)[number]>(SERVICES.map((s) => [s.id, s]))
    return {
      id: user.id,
      email: user.email,
      external_id: user.external_id,
      created_at: user.created_at.toISOString(),
      subscription: sub
        ? {
            plan_type: sub.planType,
            plan_name: sub.planName,
            status: sub.status,
            enforcement_mode: sub.enforcementMode,
            period_start: sub.billingPeriodStart.toISOString(),
            period_end: sub.billingPeriodEnd.toISOString(),
            period_cost: usd(sub.periodCost)!,
            budget: usd(sub.monthlyCostBudget),
            services: SERVICE_TYPE_IDS.map((id) => {
              const q = quota.get(id)
              return {
                id,
                used: q ? sub[q.usedField] : (serviceUsed[id] ?? 0),
                limit: q ? sub[q.limitField] : (serviceLimits[id] ?? null),
                requests_per_minute: rate.get(id)?.requestsPerMinute ?? null,
                tokens_per_minute: rate.get(id)?.tokensPerMinute ?? null,
              }
            }),
            stripe_customer_id: sub.stripeCustomerId,
            stripe_subscription_id: sub.stripeSubscriptionId,
          }
        : null,
      holds,
      alerts: alerts.map((a) => ({ id: a.id, threshold_percent: a.thresholdPercent, message: a.message, created_at: a.createdAt.toISOString(), acknowledged: a.acknowledgedAt !== null })),
      recent: recent.map((r) => ({ id: r.id, service_type: r.serviceType, provider: r.provider, model: r.model, total_cost: usd(r.totalCost), status: r.status, created_at: r.createdAt.toISOString() })),
      keys: keys.map((k) => ({ id: k.id, name: k.name, prefix: k.keyPrefix, last_used_at: k.lastUsedAt?.toISOString() ?? null, revoked_at: k.revokedAt?.toISOString() ?? null, created_at: k.createdAt.toISOString() })),
    }
  })
}

/** A Stripe object's page in the dashboard (test mode's pages with a test key). */
export function stripeDashboardUrl(kind: 'customers' | 'subscriptions', id: string, secretKey: string | undefined): string {
  const mode = secretKey?.startsWith('sk_test_') || secretKey?.startsWith('rk_test_') ? 'test/' : ''
  return `https://dashboard.stripe.com/${mode}${kind}/${encodeURIComponent(id)}`
}
