import 'server-only'
import { db } from '@/lib/db/prisma'
import { hashPassword, verifyPassword } from '@/lib/auth/password'
import type { AuthResult, AuthUser, SignInInput, SignUpInput } from '@/lib/auth/types'

// The built-in backend: users in auth.users (the shim, same ids as Supabase), argon2id hashes.
// Session cookies are handled by the caller (lib/auth/index.ts).

type UserRow = { id: string; email: string; display_name: string | null; encrypted_password: string | null }

const toUser = (row: UserRow): AuthUser => ({ id: row.id, email: row.email, displayName: row.display_name })

/**
 * The user of a session issued at `issuedAt` (unix seconds), unless they signed out everywhere
 * since or this session (`sessionId`) was signed out.
 */
export async function findLocalUser(id: string, issuedAt: number, sessionId: string | undefined): Promise<AuthUser | null> {
  const rows = await db().$queryRaw<UserRow[]>`
    select u.id::text, u.email, u.raw_user_meta_data ->> 'display_name' as display_name, null as encrypted_password
      from auth.users u
      left join public.auth_session_epochs e on e.user_id = u.id
     where u.id = ${id}::uuid and (e.valid_after is null or ${issuedAt} >= extract(epoch from e.valid_after))
       and not exists (select 1 from public.auth_ended_sessions s where s.session_id = ${sessionId ?? null}::uuid)`
  return rows[0] ? toUser(rows[0]) : null
}

/**
 * Ends one session on the server: its token is refused from now on, wherever it is sent. A
 * token from before sessions had ids can only be ended with all of its user's sessions.
 */
export async function endLocalSession(claims: { sub: string; exp: number; session_id?: string }): Promise<void> {
  if (!claims.session_id) return revokeLocalSessions(claims.sub)
  await db().$executeRaw`
    insert into public.auth_ended_sessions (session_id, user_id, expires_at)
    select ${claims.session_id}::uuid, u.id, to_timestamp(${claims.exp}) from auth.users u where u.id = ${claims.sub}::uuid
    on conflict (session_id) do nothing`
  // Past its expiry a token is refused anyway: the row is no longer needed.
  await db().$executeRaw`delete from public.auth_ended_sessions where expires_at < now()`
}

/** Ends every session of the user issued until now (this second included). */
export async function revokeLocalSessions(userId: string): Promise<void> {
  await db().$executeRaw`
    insert into public.auth_session_epochs (user_id, valid_after) values (${userId}::uuid, date_trunc('second', now()) + interval '1 second')
    on conflict (user_id) do update set valid_after = excluded.valid_after`
}

/** Checks the current password and stores a new hash. False when the current one is wrong. */
export async function changeLocalPassword(userId: string, current: string, next: string): Promise<boolean> {
  const rows = await db().$queryRaw<{ encrypted_password: string | null }[]>`select encrypted_password from auth.users where id = ${userId}::uuid`
  if (!(await verifyPassword(rows[0]?.encrypted_password, current))) return false
  await db().$executeRaw`update auth.users set encrypted_password = ${await hashPassword(next)}, updated_at = now() where id = ${userId}::uuid`
  return true
}

export async function updateLocalDisplayName(userId: string, displayName: string | null): Promise<void> {
  await db().$executeRaw`
    update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || jsonb_build_object('display_name', ${displayName}::text),
           updated_at = now()
     where id = ${userId}::uuid`
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
