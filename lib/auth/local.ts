import 'server-only'
import { db } from '@/lib/db/prisma'
import { hashPassword, verifyPassword } from '@/lib/auth/password'
import type { AuthResult, AuthUser, SignInInput, SignUpInput } from '@/lib/auth/types'

// The built-in backend: users in auth.users (the shim, same ids as Supabase), argon2id hashes.
// Session cookies are handled by the caller (lib/auth/index.ts).

type UserRow = { id: string; email: string; display_name: string | null; encrypted_password: string | null }

const toUser = (row: UserRow): AuthUser => ({ id: row.id, email: row.email, displayName: row.display_name })

export async function findLocalUser(id: string): Promise<AuthUser | null> {
  const rows = await db().$queryRaw<UserRow[]>`
    select id::text, email, raw_user_meta_data ->> 'display_name' as display_name, null as encrypted_password
      from auth.users where id = ${id}::uuid`
  return rows[0] ? toUser(rows[0]) : null
}

export async function localSignUp(input: SignUpInput): Promise<AuthResult> {
  const passwordHash = await hashPassword(input.password)
  const metadata = JSON.stringify(input.displayName ? { display_name: input.displayName } : {})
  // ON CONFLICT on the lower(email) index: two racing sign-ups for one address yield one user.
  const rows = await db().$queryRaw<UserRow[]>`
    insert into auth.users (email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
    values (${input.email}, ${passwordHash}, now(), '{"provider":"email","providers":["email"]}'::jsonb, ${metadata}::jsonb)
    on conflict (lower(email)) do nothing
    returning id::text, email, raw_user_meta_data ->> 'display_name' as display_name, null as encrypted_password`
  if (!rows[0]) return { ok: false, code: 'email_taken', message: 'An account with this email already exists' }
  return { ok: true, user: toUser(rows[0]) }
}

/** Verifies credentials; says only "invalid" on failure, never which part was wrong. */
export async function localSignIn(input: SignInInput): Promise<AuthResult> {
  const rows = await db().$queryRaw<UserRow[]>`
    select id::text, email, raw_user_meta_data ->> 'display_name' as display_name, encrypted_password
      from auth.users where lower(email) = ${input.email}`
  const row = rows[0]
  const valid = await verifyPassword(row?.encrypted_password, input.password)
  if (!row || !valid) {
    return { ok: false, code: 'invalid_credentials', message: 'Invalid email or password' }
  }
  await db().$executeRaw`update auth.users set last_sign_in_at = now() where id = ${row.id}::uuid`
  return { ok: true, user: toUser(row) }
}
