import 'server-only'
import { withUser } from '@/lib/db/with-user'

export type SubscriptionSummary = {
  planType: string
  planName: string
  status: string
  enforcementMode: string
  periodStart: Date
  periodEnd: Date
  limits: { content: number; image: number; video: number; chat: number }
}

/** The user's own subscription, read through RLS; null when they have none. */
export async function getSubscription(userId: string): Promise<SubscriptionSummary | null> {
  const row = await withUser(userId, (tx) => tx.userSubscription.findUnique({ where: { userId } }))
  if (!row) return null
  return {
    planType: row.planType,
    planName: row.planName,
    status: row.status,
    enforcementMode: row.enforcementMode,
    periodStart: row.billingPeriodStart,
    periodEnd: row.billingPeriodEnd,
    limits: {
      content: row.contentGenerationsLimit,
      image: row.imageGenerationsLimit,
      video: row.videoGenerationsLimit,
      chat: row.chatMessagesLimit,
    },
  }
}
