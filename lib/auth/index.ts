import 'server-only'
import { cookies } from 'next/headers'
import { redirect } from 'next/navigation'
import { cache } from 'react'
import { authBackend } from '@/lib/env'
import { changeLocalPassword, endLocalSession, findLocalUser, localSignIn, localSignUp, revokeLocalSessions, updateLocalDisplayName } from '@/lib/auth/local'
import { SESSION_COOKIE, sessionCookieOptions, signSession, verifySession } from '@/lib/auth/session'
import { supabaseGetUser, supabaseServerClient, supabaseSignIn, supabaseSignOut, supabaseSignUp } from '@/lib/auth/supabase'
import { attemptFailed, attemptSucceeded, attemptVoid, beginAttempt, refusalMessage, type ThrottleRefusal } from '@/lib/auth/throttle'
import type { AuthResult, AuthUser, SignInInput, SignUpInput } from '@/lib/auth/types'

// One interface over two backends: Supabase Auth when its env vars are set, else built-in.
// These read and write the request's cookies, so they work in route handlers and server
// actions (and getUser also in server components).

/** The signed-in user of this request, or null. Cached per request. */
export const getUser = cache(async (): Promise<AuthUser | null> => {
  if (authBackend === 'supabase') return supabaseGetUser()
  const claims = await verifySession((await cookies()).get(SESSION_COOKIE)?.value)
  // The token alone is not enough: a removed user, or one who signed out everywhere since the
  // token was issued, is signed out.
  return claims ? findLocalUser(claims.sub, claims.iat, claims.session_id) : null
})

/** The signed-in user; redirects to /login (coming back to `returnTo`) when there is none. */
export async function requireUser(returnTo?: string): Promise<AuthUser> {
  const user = await getUser()
  if (!user) redirect(returnTo ? `/login?next=${encodeURIComponent(returnTo)}` : '/login')
  return user
}

async function startLocalSession(user: AuthUser): Promise<void> {
  ;(await cookies()).set(SESSION_COOKIE, await signSession(user), sessionCookieOptions)
}

/** Creates an account (behind the per-IP and global throttles: it hashes a password). */
export async function signUp(input: SignUpInput): Promise<AuthResult> {
  const refused = await beginAttempt(null)
  if (refused) return tooManyAttempts(refused)
  const result = authBackend === 'supabase' ? await supabaseSignUp(input) : await localSignUp(input)
  if (result.ok && authBackend === 'local') await startLocalSession(result.user)
  return result
}

/**
 * Signs in, for both backends behind the throttles (lib/auth/throttle.ts): checked before the
 * password is, so a refused attempt costs no hash and says nothing about the password.
 */
export async function signIn(input: SignInInput): Promise<AuthResult> {
  const refused = await beginAttempt(input.email)
  if (refused) return tooManyAttempts(refused)
  const result = authBackend === 'supabase' ? await supabaseSignIn(input) : await localSignIn(input)
  if (!result.ok) {
    // Only a real credential mismatch counts: an outage or an unconfirmed email is not a guess.
    await (result.code === 'invalid_credentials' ? attemptFailed(input.email) : attemptVoid(input.email))
    return result
  }
  await attemptSucceeded(input.email)
  if (authBackend === 'local') await startLocalSession(result.user)
  return result
}

/** Signs this browser out and ends its session on the server, so a copy of the cookie is dead too. */
export async function signOut(): Promise<void> {
  if (authBackend === 'supabase') return supabaseSignOut()
  const store = await cookies()
  const claims = await verifySession(store.get(SESSION_COOKIE)?.value)
  if (claims) await endLocalSession(claims)
  store.delete({ name: SESSION_COOKIE, path: '/' })
}

function tooManyAttempts(refusal: ThrottleRefusal): AuthResult {
  return { ok: false, code: 'too_many_attempts', message: refusalMessage(refusal), retryAfterSeconds: refusal.retryAfterSeconds }
}

/** Signs the user out on every device, this one included. */
export async function signOutEverywhere(user: AuthUser): Promise<void> {
  if (authBackend === 'supabase') {
    await (await supabaseServerClient()).auth.signOut({ scope: 'global' })
    return
  }
  await revokeLocalSessions(user.id)
  ;(await cookies()).delete({ name: SESSION_COOKIE, path: '/' })
}

/**
 * Changes the password after checking the current one, and signs out every other session
 * (a changed password must lock out whoever knew the old one). This browser stays signed in.
 */
export async function changePassword(user: AuthUser, current: string, next: string): Promise<{ ok: true } | { ok: false; error: string }> {
  // Checking the current password is a sign-in attempt: a stolen session must not be a way to
  // guess it faster than the sign-in form allows.
  const refused = await beginAttempt(user.email)
  if (refused) return { ok: false, error: refusalMessage(refused) }
  if (authBackend === 'supabase') {
    const supabase = await supabaseServerClient()
    const check = await supabase.auth.signInWithPassword({ email: user.email, password: current })
    if (check.error) {
      const wrong = check.error.code === 'invalid_credentials' || check.error.status === 400
      await (wrong ? attemptFailed(user.email) : attemptVoid(user.email))
      return { ok: false, error: wrong ? 'Current password is wrong' : 'Password change is unavailable right now. Try again in a moment.' }
    }
    await attemptSucceeded(user.email)
    const { error } = await supabase.auth.updateUser({ password: next })
    if (error) return { ok: false, error: error.message }
    await supabase.auth.signOut({ scope: 'others' })
    return { ok: true }
  }
  if (!(await changeLocalPassword(user.id, current, next))) {
    await attemptFailed(user.email)
    return { ok: false, error: 'Current password is wrong' }
  }
  await attemptSucceeded(user.email)
  await revokeLocalSessions(user.id)
  // Issued after the epoch (next second), so this browser stays signed in.
  await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000) + 5))
  await startLocalSession(user)
  return { ok: true }
}

export async function updateDisplayName(user: AuthUser, displayName: string | null): Promise<void> {
  if (authBackend === 'supabase') {
    await (await supabaseServerClient()).auth.updateUser({ data: { display_name: displayName } })
    return
  }
  await updateLocalDisplayName(user.id, displayName)
}
