import 'server-only'
import { pool } from '@/lib/db/prisma'

export type EraseOutcome = 'deleted' | 'stripe_subscription' | 'no_such_user'

/**
 * Deletes a user and every row that describes them in one transaction (public.delete_account):
 * subscription, API keys, campaigns, video jobs, holds, alerts, rate limits, session epochs,
 * sign-in throttle, call details, and the auth.users row. The ledger (api_usage) and its
 * rollups keep their rows, under a user id that then points at nobody. Checks nothing about
 * who asks: callers authorize first.
 */
export async function eraseAccount(userId: string): Promise<EraseOutcome> {
  const { rows } = await pool().query<{ result: { deleted: boolean; reason?: EraseOutcome } }>('select public.delete_account($1::uuid) as result', [userId])
  const { deleted, reason } = rows[0].result
  return deleted ? 'deleted' : (reason ?? 'no_such_user')
}
