import 'server-only'
import { withUser } from '@/lib/db/with-user'

/**
 * Marks one of `userId`'s alerts as seen. Runs under RLS as the user (the policy and the
 * column grant let a user set `acknowledged_at` on their own alerts and nothing else), so
 * another user's alert id is simply not found. Acknowledging twice keeps the first time.
 */
export async function acknowledgeAlert(userId: string, alertId: string): Promise<'acknowledged' | 'not_found'> {
  return withUser(userId, async (tx) => {
    const { count } = await tx.usageAlert.updateMany({ where: { id: alertId, acknowledgedAt: null }, data: { acknowledgedAt: new Date() } })
    if (count > 0) return 'acknowledged'
    return (await tx.usageAlert.count({ where: { id: alertId } })) > 0 ? 'acknowledged' : 'not_found'
  })
}

/** Where `userId`'s alerts are POSTed and the secret that signs them (their own row, through RLS). */
export async function getAlertWebhook(userId: string): Promise<{ url: string | null; secret: string | null }> {
  const sub = await withUser(userId, (tx) => tx.userSubscription.findUnique({ where: { userId }, select: { alertWebhookUrl: true, alertWebhookSecret: true } }))
  return { url: sub?.alertWebhookUrl ?? null, secret: sub?.alertWebhookSecret ?? null }
}
