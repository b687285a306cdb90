import 'server-only'
import { pool } from '@/lib/db/prisma'
import { withUser, type UserTx } from '@/lib/db/with-user'
import { env } from '@/lib/env'
import { OTHER_SERVICES, perService, type OtherService, type Service } from '@/lib/services'
import { usd } from '@/lib/usage/money'

/** Limits at or above this read as "unlimited" (the Demo plan's 999,999). */
const UNLIMITED = 999_999

/**
 * How the Usage reads run: as the user under RLS (their own pages, the default), or on the
 * operators' read path for the console's "act as support" view. Same queries either way.
 */
export type ReadAs = <T>(userId: string, fn: (tx: UserTx) => Promise<T>) => Promise<T>

export type ServiceUsage = { used: number; limit: number; unlimited: boolean }

export type UsageSummary = {
  object: 'usage.summary'
  /**
   * `enforcement_mode`, the services' limits and the budget are the ones admission applies:
   * the plan's, or the Free plan's while `held_by` names the status holding the user to them
   * (unpaid, past_due past its grace, …). `grace_ends_at`: a past_due plan's last day.
   */
  plan: { type: string; name: string; status: string; enforcement_mode: string; held_by: string | null; grace_ends_at: string | null } | null
  period: { start: string; end: string } | null
  services: Record<Service, ServiceUsage> | null
  /** The services without quota columns (embeddings, audio, moderation) that have a quota this period; absent ones have none. */
  other_services: Partial<Record<OtherService, ServiceUsage>> | null
  /**
   * `period`: this plan period's cost (a Demo period is a year). `month`: the calendar month's
   * (UTC, from the month rollups), starting `month_start`, whatever the plan period is.
   */
  cost: { currency: 'USD'; period: string; month: string; month_start: string; lifetime: string; unpriced_calls: number; budget: string | null }
  calls: { lifetime: number }
  /** Thresholds reached this period (50/80/100 % of a limit or the budget), newest first. */
  alerts: { id: string; alert_type: string; service_type: string | null; threshold_percent: number; message: string; created_at: string; acknowledged: boolean }[]
}

const service = (used: number, limit: number): ServiceUsage => ({ used, limit, unlimited: limit >= UNLIMITED })

type Effective = {
  held_by: string | null
  grace_ends_at: Date | null
  /** effective_limits() as JSON: each service's limit under its column's name (lib/services.ts), and the quota map in service_limits. */
  limits: Record<string, number> & { service_limits?: Record<string, number> | null }
  budget: string | null
  enforcement_mode: string
}

/**
 * getUserUsage (seed name, docs/seed-names.md): plan, period, use against the limits that apply,
 * costs. Through RLS, after rolling a period that has ended (a Demo year ends on Free here as
 * at the next call), so the page shows what the next call would get.
 */
export async function getUserUsage(userId: string, now = new Date(), read: ReadAs = withUser): Promise<UsageSummary> {
  // Rollups bucket by UTC calendar month (record_usage), so this month is one period_start.
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  // The app's own login: users may not write their subscription (this only does what their next call would).
  await pool().query('select public.roll_user_subscription($1::uuid)', [userId])
  const [sub, lifetime, month, [effective]] = await read(userId, (tx) =>
    Promise.all([
      tx.userSubscription.findUnique({ where: { userId } }),
      // Month rollups cover every call exactly once: their sum is the lifetime.
      tx.usageAggregation.aggregate({ where: { userId, periodType: 'month' }, _sum: { totalCost: true, requestCount: true, unpricedCount: true } }),
      tx.usageAggregation.aggregate({ where: { userId, periodType: 'month', periodStart: monthStart }, _sum: { totalCost: true } }),
      // The same function admission uses, so the page and the gateway cannot disagree.
      tx.$queryRaw<Effective[]>`
        select e.held_by, e.grace_ends_at, to_jsonb(e) as limits, e.monthly_cost_budget::text as budget, e.enforcement_mode
          from public.user_subscriptions s cross join lateral public.effective_limits(s, ${env.PAST_DUE_GRACE_DAYS}::int) e
         where s.user_id = ${userId}::uuid`,
    ]),
  )
  const alerts = sub
    ? await read(userId, (tx) =>
        // The period's start has microseconds in PostgreSQL and milliseconds here: equality
        // would miss it, so take the alerts from the (truncated) start to the period's end.
        tx.usageAlert.findMany({ where: { userId, periodStart: { gte: sub.billingPeriodStart, lt: sub.billingPeriodEnd } }, orderBy: { createdAt: 'desc' }, take: 20 }),
      )
    : []
  return {
    object: 'usage.summary',
    plan:
      sub && effective
        ? {
            type: sub.planType,
            name: sub.planName,
            status: sub.status,
            enforcement_mode: effective.enforcement_mode,
            held_by: effective.held_by,
            grace_ends_at: effective.grace_ends_at?.toISOString() ?? null,
          }
        : null,
    period: sub ? { start: sub.billingPeriodStart.toISOString(), end: sub.billingPeriodEnd.toISOString() } : null,
    services:
      sub && effective
        ? perService((s) => service(sub[s.usedField], effective.limits[s.limitColumn]))
        : null,
    other_services: sub && effective ? otherServices(effective.limits.service_limits ?? {}, sub.serviceUsed) : null,
    cost: {
      currency: 'USD',
      period: usd(sub?.periodCost ?? '0')!,
      month: usd(month._sum.totalCost ?? '0')!,
      month_start: monthStart.toISOString().slice(0, 10),
      lifetime: usd(lifetime._sum.totalCost ?? '0')!,
      unpriced_calls: lifetime._sum.unpricedCount ?? 0,
      budget: usd(effective?.budget),
    },
    calls: { lifetime: lifetime._sum.requestCount ?? 0 },
    alerts: alerts.map((a) => ({
      id: a.id,
      alert_type: a.alertType,
      service_type: a.serviceType,
      threshold_percent: a.thresholdPercent,
      message: a.message,
      created_at: a.createdAt.toISOString(),
      acknowledged: a.acknowledgedAt !== null,
    })),
  }
}

/** The quota'd services without columns: their limit from the map admission applies, their use this period. */
function otherServices(limits: Record<string, number>, used: unknown): Partial<Record<OtherService, ServiceUsage>> {
  const counts = (used && typeof used === 'object' ? used : {}) as Record<string, unknown>
  const out: Partial<Record<OtherService, ServiceUsage>> = {}
  for (const { id } of OTHER_SERVICES) {
    if (typeof limits[id] === 'number') out[id] = service(typeof counts[id] === 'number' ? counts[id] : 0, limits[id])
  }
  return out
}
