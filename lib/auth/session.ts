// The built-in backend's session: a JWT whose claims match a Supabase access token (sub,
// email, role, aud, exp), so withUser() and RLS treat both backends the same way.
import { randomUUID } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { env, requireAuthSecret } from '@/lib/env'

export const SESSION_COOKIE = 'tg_session'
const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60
const ISSUER = 'tollgate'
const AUDIENCE = 'authenticated'

export type SessionClaims = {
  sub: string
  email: string
  role: 'authenticated'
  aud: string
  exp: number
  iat: number
  /** One per sign-in (Supabase's tokens carry the same claim): signing out ends just this one. Absent from tokens issued before it existed. */
  session_id?: string
  user_metadata: { display_name?: string }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export async function signSession(user: { id: string; email: string; displayName: string | null }): Promise<string> {
  return new SignJWT({
    email: user.email,
    role: 'authenticated',
    session_id: randomUUID(),
    user_metadata: user.displayName ? { display_name: user.displayName } : {},
    app_metadata: { provider: 'email', providers: ['email'] },
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${SESSION_TTL_SECONDS}s`)
    .sign(requireAuthSecret())
}

/** The claims of a valid, unexpired session token; null for anything else. Never throws. */
export async function verifySession(token: string | undefined): Promise<SessionClaims | null> {
  if (!token) return null
  try {
    const { payload } = await jwtVerify(token, requireAuthSecret(), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') return null
    if (payload.session_id !== undefined && (typeof payload.session_id !== 'string' || !UUID.test(payload.session_id))) return null
    return payload as unknown as SessionClaims
  } catch {
    return null
  }
}

export const sessionCookieOptions = {
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: env.NODE_ENV === 'production',
  path: '/',
  maxAge: SESSION_TTL_SECONDS,
}
