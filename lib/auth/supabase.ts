import 'server-only'
import { createServerClient } from '@supabase/ssr'
import type { User } from '@supabase/supabase-js'
import { cookies } from 'next/headers'
import { env } from '@/lib/env'
import type { AuthResult, AuthUser, SignInInput, SignUpInput } from '@/lib/auth/types'

// Supabase Auth through @supabase/ssr: the session lives in Supabase's own cookies, refreshed
// by proxy.ts on each navigation.

export async function supabaseServerClient() {
  const store = await cookies()
  return createServerClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: {
      getAll: () => store.getAll(),
      setAll: (list) => {
        try {
          for (const { name, value, options } of list) store.set(name, value, options)
        } catch {
          // Server components cannot set cookies; proxy.ts refreshes the session instead.
        }
      },
    },
  })
}

const toUser = (user: User): AuthUser => ({
  id: user.id,
  email: user.email ?? '',
  displayName: typeof user.user_metadata?.display_name === 'string' ? user.user_metadata.display_name : null,
})

export async function supabaseGetUser(): Promise<AuthUser | null> {
  const supabase = await supabaseServerClient()
  // getUser() asks Supabase to validate the token; the cookie alone could be forged.
  const { data } = await supabase.auth.getUser()
  return data.user ? toUser(data.user) : null
}

export async function supabaseSignUp(input: SignUpInput): Promise<AuthResult> {
  const supabase = await supabaseServerClient()
  const { data, error } = await supabase.auth.signUp({
    email: input.email,
    password: input.password,
    options: { data: input.displayName ? { display_name: input.displayName } : {} },
  })
  if (error) {
    if (error.code === 'user_already_exists' || error.code === 'email_exists')
      return { ok: false, code: 'email_taken', message: 'An account with this email already exists' }
    if (error.status === 429)
      return { ok: false, code: 'too_many_attempts', message: 'Too many attempts. Try again later.', retryAfterSeconds: 60 }
    if (!error.status || error.status >= 500)
      return { ok: false, code: 'unavailable', message: 'Sign-up is unavailable right now. Try again in a moment.' }
    return { ok: false, code: 'invalid_request', message: error.message }
  }
  if (!data.user) return { ok: false, code: 'invalid_request', message: 'Sign-up failed' }
  if (!data.session)
    return { ok: false, code: 'confirmation_required', message: 'Check your email to confirm your account, then sign in.' }
  return { ok: true, user: toUser(data.user) }
}

export async function supabaseSignIn(input: SignInInput): Promise<AuthResult> {
  const supabase = await supabaseServerClient()
  const { data, error } = await supabase.auth.signInWithPassword({ email: input.email, password: input.password })
  if (!error && data.user) return { ok: true, user: toUser(data.user) }
  // Only a real credential mismatch may count toward the lockout: an outage or an unconfirmed
  // email is not a wrong password and must say so.
  if (error?.status === 429)
    return { ok: false, code: 'too_many_attempts', message: 'Too many attempts. Try again later.', retryAfterSeconds: 60 }
  if (error?.code === 'email_not_confirmed')
    return { ok: false, code: 'confirmation_required', message: 'Confirm your email address, then sign in.' }
  if (error?.code === 'invalid_credentials' || error?.status === 400)
    return { ok: false, code: 'invalid_credentials', message: 'Invalid email or password' }
  return { ok: false, code: 'unavailable', message: 'Sign-in is unavailable right now. Try again in a moment.' }
}

export async function supabaseSignOut(): Promise<void> {
  const supabase = await supabaseServerClient()
  await supabase.auth.signOut()
}
