// A Supabase access token as the gateway's bearer: a product whose users sign in with Supabase
// Auth can send the user's own token instead of a Tollgate key. Verified locally (no call to
// Supabase per request): HS256 with the project's JWT secret, or the project's asymmetric keys
// from its JWKS (fetched once, cached, refetched when a token names an unknown kid).
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose'

export type AccessTokenConfig = {
  /** The Supabase project URL (NEXT_PUBLIC_SUPABASE_URL). */
  supabaseUrl: string
  /** The project's legacy HS256 secret; absent when the project signs with asymmetric keys only. */
  jwtSecret?: string
  /** How soon an unknown kid may refetch the JWKS (default 30 s; tests shorten it). */
  jwksCooldownMs?: number
}

export type AccessTokenClaims = { sub: string; iat: number; exp: number; session_id?: string }

/** Three base64url segments: what a bearer must look like to be tried as a JWT. */
export const JWT_PATTERN = /^[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,1024}$/

// Only these: `none` and any HS algorithm other than HS256 are refused before verification, and
// each family is verified with its own kind of key, so a token signed with HMAC over the public
// key (the HS/RS confusion) finds no secret to match.
const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'] as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

type JwkSet = ReturnType<typeof createRemoteJWKSet>
// Per process (on globalThis so dev-server module reloads share it): one key set per project.
const store = globalThis as typeof globalThis & { __tollgateJwks?: Map<string, JwkSet> }

function jwks(supabaseUrl: string, cooldownMs = 30_000): JwkSet {
  store.__tollgateJwks ??= new Map()
  const name = `${supabaseUrl} ${cooldownMs}`
  let set = store.__tollgateJwks.get(name)
  if (!set) {
    // jose caches the keys for 10 minutes, refetches when a token names an unknown kid (a
    // rotation; at most once per cooldown, so junk kids cannot hammer Supabase) and gives up after 5 s.
    set = createRemoteJWKSet(new URL('auth/v1/.well-known/jwks.json', withSlash(supabaseUrl)), { cooldownDuration: cooldownMs, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
    store.__tollgateJwks.set(name, set)
  }
  return set
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`)

/**
 * The claims of a valid access token of this project (signature, exp, aud `authenticated`, iss
 * `<url>/auth/v1`, a uuid `sub`); null for anything else. Whether its session is still alive is
 * the caller's question (sign-out rules live with the users, lib/auth/local.ts).
 */
export async function verifyAccessToken(token: string, config: AccessTokenConfig): Promise<AccessTokenClaims | null> {
  if (!JWT_PATTERN.test(token)) return null
  let alg: string | undefined
  try {
    alg = decodeProtectedHeader(token).alg
  } catch {
    return null
  }
  const options = { issuer: `${withSlash(config.supabaseUrl)}auth/v1`, audience: 'authenticated', requiredClaims: ['sub', 'exp', 'iat'] }
  let payload: JWTPayload
  try {
    if (alg === 'HS256') {
      if (!config.jwtSecret) return null
      ;({ payload } = await jwtVerify(token, new TextEncoder().encode(config.jwtSecret), { ...options, algorithms: ['HS256'] }))
    } else if ((ASYMMETRIC as readonly string[]).includes(alg ?? '')) {
      ;({ payload } = await jwtVerify(token, jwks(config.supabaseUrl, config.jwksCooldownMs), { ...options, algorithms: [...ASYMMETRIC] }))
    } else {
      return null
    }
  } catch {
    return null
  }
  if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return null
  if (payload.role !== undefined && payload.role !== 'authenticated') return null
  const sessionId = payload.session_id
  if (sessionId !== undefined && (typeof sessionId !== 'string' || !UUID.test(sessionId))) return null
  return { sub: payload.sub, iat: payload.iat!, exp: payload.exp!, ...(sessionId ? { session_id: sessionId } : {}) }
}
