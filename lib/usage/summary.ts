import 'server-only'
import { withUser } from '@/lib/db/with-user'
import { usd } from '@/lib/usage/money'

/** Limits at or above this read as "unlimited" (the Demo plan's 999,999). */
export const UNLIMITED = 999_999

export type ServiceUsage = { used: number; limit: number; unlimited: boolean }

export type UsageSummary = {
  object: 'usage.summary'
  plan: { type: string; name: string; status: string; enforcement_mode: string } | null
  period: { start: string; end: string } | null
  services: Record<'content' | 'image' | 'video' | 'chat', ServiceUsage> | null
  cost: { currency: 'USD'; period: string; lifetime: string; unpriced_calls: number; budget: string | null }
  calls: { lifetime: number }
  /** Thresholds reached this period (50/80/100 % of a limit or the budget), newest first. */
  alerts: { id: string; alert_type: string; service_type: string | null; threshold_percent: number; message: string; created_at: string; acknowledged: boolean }[]
}

const service = (used: number, limit: number): ServiceUsage => ({ used, limit, unlimited: limit >= UNLIMITED })

/** The original specification's getUserUsage: plan, period, use against limits, costs. Through RLS. */
export async function getUserUsage(userId: string): Promise<UsageSummary> {
  const [sub, lifetime] = await withUser(userId, (tx) =>
    Promise.all([
      tx.userSubscription.findUnique({ where: { userId } }),
      // Month rollups cover every call exactly once: their sum is the lifetime.
      tx.usageAggregation.aggregate({ where: { userId, periodType: 'month' }, _sum: { totalCost: true, requestCount: true, unpricedCount: true } }),
    ]),
  )
  const alerts = sub
    ? await withUser(userId, (tx) =>
        tx.usageAlert.findMany({ where: { userId, periodStart: sub.billingPeriodStart }, orderBy: { createdAt: 'desc' }, take: 20 }),
      )
    : []
  return {
    object: 'usage.summary',
    plan: sub ? { type: sub.planType, name: sub.planName, status: sub.status, enforcement_mode: sub.enforcementMode } : null,
    period: sub ? { start: sub.billingPeriodStart.toISOString(), end: sub.billingPeriodEnd.toISOString() } : null,
    services: sub
      ? {
          content: service(sub.contentGenerationsUsed, sub.contentGenerationsLimit),
          image: service(sub.imageGenerationsUsed, sub.imageGenerationsLimit),
          video: service(sub.videoGenerationsUsed, sub.videoGenerationsLimit),
          chat: service(sub.chatMessagesUsed, sub.chatMessagesLimit),
        }
      : null,
    cost: {
      currency: 'USD',
      period: usd(sub?.periodCost ?? '0')!,
      lifetime: usd(lifetime._sum.totalCost ?? '0')!,
      unpriced_calls: lifetime._sum.unpricedCount ?? 0,
      budget: usd(sub?.monthlyCostBudget),
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
