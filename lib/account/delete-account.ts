import 'server-only'
import { z } from 'zod'
import { eraseAccount } from '@/lib/account/erase'
import { signOut } from '@/lib/auth'
import { verifyPassword } from '@/lib/auth/password'
import { supabaseServerClient } from '@/lib/auth/supabase'
import { attemptFailed, attemptSucceeded, beginAttempt, refusalMessage } from '@/lib/auth/throttle'
import type { AuthUser } from '@/lib/auth/types'
import { db } from '@/lib/db/prisma'
import { authBackend } from '@/lib/env'

export const DeleteAccountSchema = z.object({
  confirm: z.string({ error: 'Type your email address to confirm' }).trim().min(1, { error: 'Type your email address to confirm' }).max(254),
  password: z.string({ error: 'Enter your password' }).min(1, { error: 'Enter your password' }).max(128),
})
export type DeleteAccountInput = z.infer<typeof DeleteAccountSchema>

export type DeleteAccountResult = { ok: true } | { ok: false; error: string; field?: keyof DeleteAccountInput }

const WRONG_PASSWORD: DeleteAccountResult = { ok: false, error: 'Current password is wrong', field: 'password' }

/** The user's password, checked as sign-in checks it (a wrong one counts toward the email's delay). */
async function passwordMatches(user: AuthUser, password: string): Promise<boolean> {
  if (authBackend === 'supabase') {
    const { error } = await (await supabaseServerClient()).auth.signInWithPassword({ email: user.email, password })
    return !error
  }
  const rows = await db().$queryRaw<{ encrypted_password: string | null }[]>`select encrypted_password from auth.users where id = ${user.id}::uuid`
  return verifyPassword(rows[0]?.encrypted_password, password)
}

/**
 * Deletes the signed-in user's account after they typed their email and their password, then
 * signs this browser out. Everything that describes them goes (lib/account/erase.ts); the
 * ledger of their calls and costs stays, linked to nobody. Other sessions and API keys stop
 * working at once: their user and keys no longer exist.
 */
export async function deleteAccount(user: AuthUser, input: DeleteAccountInput): Promise<DeleteAccountResult> {
  if (input.confirm.toLowerCase() !== user.email.toLowerCase())
    return { ok: false, error: `Type ${user.email} to confirm`, field: 'confirm' }
  // The same throttles as sign-in, before the hash: a stolen session cannot guess the password here.
  const refused = await beginAttempt(user.email)
  if (refused) return { ok: false, error: refusalMessage(refused), field: 'password' }
  if (!(await passwordMatches(user, input.password))) {
    await attemptFailed(user.email)
    return WRONG_PASSWORD
  }
  await attemptSucceeded(user.email)
  const outcome = await eraseAccount(user.id)
  if (outcome === 'stripe_subscription')
    return { ok: false, error: 'Your paid plan is still billed through Stripe. Cancel it under Manage billing first, then delete the account.' }
  await signOut()
  return { ok: true }
}
