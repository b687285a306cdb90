import 'server-only'
import { z } from 'zod'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'
import { withOperatorRead } from '@/lib/admin/db'
import { getUsageDashboard, type UsageDashboard } from '@/lib/usage/dashboard'

// "Act as support" (/admin/users/[id]/usage): the user's Usage & Costs tab as they see it, read
// by the same functions as their own page (lib/usage/dashboard.ts) on the operators' read path
// instead of their RLS session. Opening it is recorded: a user's data looked at by someone else.

export type SupportView = { user: { id: string; email: string | null }; dashboard: UsageDashboard; webhook: { url: string | null; secret: null } }

// The dashboard's reads, each in a read-only operator transaction (the user id is in every query's where).
const operatorRead = <T>(_userId: string, fn: Parameters<typeof withOperatorRead<T>>[0]) => withOperatorRead(fn)

/** The user's Usage tab data, and an audit row `user.support_view`; null when there is no such user. */
export async function openSupportView(actor: Actor, userId: string, now = new Date()): Promise<SupportView | null> {
  if (!z.uuid().safeParse(userId).success) return null
  const found = await withOperatorRead(async (tx) => {
    const [user] = await tx.$queryRaw<{ id: string; email: string | null }[]>`select id::text, email from auth.users where id = ${userId}::uuid`
    const sub = await tx.userSubscription.findUnique({ where: { userId }, select: { alertWebhookUrl: true } })
    return user ? { user, webhookUrl: sub?.alertWebhookUrl ?? null } : null
  })
  if (!found) return null
  await auditedWrite(actor, 'user.support_view', { userId }, async () => ({ before: null, after: null, result: undefined }))
  const dashboard = await getUsageDashboard(userId, now, operatorRead)
  // The webhook's signing secret is the user's; support sees where alerts go, not how they are signed.
  return { user: found.user, dashboard, webhook: { url: found.webhookUrl, secret: null } }
}
