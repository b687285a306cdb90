import 'server-only'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { findLocalUser } from '@/lib/auth/local'
import { verifyAccessToken } from '@/lib/auth/access-token'

// The user of a Supabase access token sent as the gateway's bearer, under the same sign-out
// rules as the session: the user must still exist, not have signed out everywhere since the
// token was issued (auth_session_epochs), nor ended this session (auth_ended_sessions); on a
// real Supabase database the token's session must also still be in auth.sessions (Supabase
// deletes it on sign-out).

const store = globalThis as typeof globalThis & { __tollgateHasAuthSessions?: Promise<boolean> }

function hasAuthSessions(): Promise<boolean> {
  store.__tollgateHasAuthSessions ??= db()
    .$queryRaw<{ present: boolean }[]>`select to_regclass('auth.sessions') is not null as present`
    .then((rows) => rows[0].present)
    .catch((error: unknown) => {
      store.__tollgateHasAuthSessions = undefined
      throw error
    })
  return store.__tollgateHasAuthSessions
}

/** The user id of a valid, live access token; null for anything else. */
export async function accessTokenUserId(token: string): Promise<string | null> {
  if (!env.NEXT_PUBLIC_SUPABASE_URL) return null
  const claims = await verifyAccessToken(token, { supabaseUrl: env.NEXT_PUBLIC_SUPABASE_URL, jwtSecret: env.SUPABASE_JWT_SECRET })
  if (!claims) return null
  if (!(await findLocalUser(claims.sub, claims.iat, claims.session_id))) return null
  if (claims.session_id && (await hasAuthSessions())) {
    const live = await db().$queryRaw<unknown[]>`
      select 1 from auth.sessions where id = ${claims.session_id}::uuid and user_id = ${claims.sub}::uuid and (not_after is null or not_after > now())`
    if (live.length === 0) return null
  }
  return claims.sub
}
