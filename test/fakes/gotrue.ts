// A FAKE of Supabase Auth (GoTrue) for tests: only the five endpoints @supabase/auth-js calls
// for email + password, with the same request and response shapes and error codes (checked
// against node_modules/@supabase/auth-js). Like real Supabase it keeps users in the app's own
// database (auth.users), so the app's triggers and RLS see them; sessions and refresh tokens
// live in memory. Email confirmation is off, as with `mailer_autoconfirm`.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { promisify } from 'node:util'
import { SignJWT, jwtVerify } from 'jose'
import pg from 'pg'

export type FakeGoTrue = {
  /** The Supabase project URL (NEXT_PUBLIC_SUPABASE_URL). */
  url: string
  anonKey: string
  /** The project's JWT secret (HS256) its access tokens are signed with: SUPABASE_JWT_SECRET. */
  jwtSecret: string
  /** Every request seen, as 'METHOD /path?query', in order. */
  calls: string[]
  /** Lifetime in seconds of the access tokens issued from now on (tests shorten it). */
  accessTokenTtl: number
  /** While true, every request fails with 503, as during a Supabase outage. */
  outage: boolean
  close: () => Promise<void>
}

// A row of auth.users: the columns the fake reads by name, plus timestamps passed through.
type UserRow = { id: string; email: string; encrypted_password: string | null; [column: string]: unknown }

const USER_COLUMNS = `id::text, email, encrypted_password, raw_app_meta_data, raw_user_meta_data,
  email_confirmed_at, last_sign_in_at, created_at, updated_at`
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>

// Real GoTrue stores bcrypt; any one-way hash will do for a fake.
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('hex')}$${(await scryptAsync(password, salt, 32)).toString('hex')}`
}

async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  const [scheme, salt, hash] = stored?.split('$') ?? []
  if (scheme !== 'scrypt' || !salt || !hash) return false
  return timingSafeEqual(await scryptAsync(password, Buffer.from(salt, 'hex'), 32), Buffer.from(hash, 'hex'))
}

// An error the way GoTrue answers clients sending X-Supabase-Api-Version 2024-01-01 (auth-js
// always does): a string `code` plus a message, and the version header that makes auth-js
// read that `code`.
class AuthError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, body?: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' })
  res.end(body === undefined ? undefined : JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += chunk
  let value: unknown = null
  try {
    value = JSON.parse(text || '{}')
  } catch {
    // answered below, as GoTrue does
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON')
}

// GoTrue's user object, as auth-js hands it to the app.
const toUserJson = (u: UserRow) => ({
  id: u.id, aud: 'authenticated', role: 'authenticated', email: u.email, phone: '', is_anonymous: false,
  email_confirmed_at: u.email_confirmed_at, confirmed_at: u.email_confirmed_at, last_sign_in_at: u.last_sign_in_at,
  app_metadata: u.raw_app_meta_data, user_metadata: u.raw_user_meta_data, identities: [],
  created_at: u.created_at, updated_at: u.updated_at,
})

export async function startFakeGoTrue(databaseUrl: string, anonKey = 'fake-anon-key'): Promise<FakeGoTrue> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  const jwtSecret = randomBytes(32).toString('hex')
  const secret = new TextEncoder().encode(jwtSecret)
  const sessions = new Map<string, string>() // session_id -> user id
  const refreshTokens = new Map<string, string>() // refresh token -> session_id
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof AuthError) return send(res, error.status, { code: error.code, message: error.message })
      console.error('fake GoTrue:', error)
      send(res, 500, { code: 'unexpected_failure', message: String(error) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const fake: FakeGoTrue = {
    url,
    anonKey,
    jwtSecret,
    calls: [],
    accessTokenTtl: 3600,
    outage: false,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await pool.end()
    },
  }

  const findUser = async (where: string, value: string) =>
    (await pool.query<UserRow>(`select ${USER_COLUMNS} from auth.users where ${where}`, [value])).rows[0]

  async function issueSession(user: UserRow, sessionId: string = randomUUID()) {
    sessions.set(sessionId, user.id)
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + fake.accessTokenTtl
    const accessToken = await new SignJWT({
      email: user.email,
      phone: '',
      app_metadata: user.raw_app_meta_data,
      user_metadata: user.raw_user_meta_data,
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: iat }],
      session_id: sessionId,
      is_anonymous: false,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(`${url}/auth/v1`)
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(secret)
    const refreshToken = randomBytes(12).toString('base64url')
    refreshTokens.set(refreshToken, sessionId)
    return { access_token: accessToken, token_type: 'bearer', expires_in: exp - iat, expires_at: exp, refresh_token: refreshToken, user: toUserJson(user) }
  }

  // The bearer token's claims, checked the way GoTrue does: signature, expiry, live session.
  async function authenticate(req: IncomingMessage): Promise<{ sub: string; session_id: string }> {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (!token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token')
    const claims = await jwtVerify<{ session_id: string }>(token, secret, { audience: 'authenticated' })
      .then((r) => r.payload)
      .catch(() => {
        throw new AuthError(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature')
      })
    if (!sessions.has(claims.session_id))
      throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist')
    return { sub: claims.sub!, session_id: claims.session_id }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const { pathname, searchParams } = new URL(req.url ?? '/', url)
    fake.calls.push(`${req.method} ${req.url}`)
    if (fake.outage) throw new AuthError(503, 'unexpected_failure', 'Service temporarily unavailable')
    // Supabase's API gateway refuses requests without the project's key.
    if (req.headers.apikey !== anonKey) throw new AuthError(401, 'no_api_key', 'Invalid API key')
    const route = `${req.method} ${pathname}`
    const body = req.method === 'POST' ? await readJson(req) : {}
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : ''
    const password = typeof body.password === 'string' ? body.password : ''

    if (route === 'POST /auth/v1/signup') {
      if (!email || !password) throw new AuthError(400, 'validation_failed', 'Signup requires a valid password')
      if (password.length < 6) throw new AuthError(422, 'weak_password', 'Password should be at least 6 characters.')
      // The app's on_auth_user_created_demo_subscription trigger fires on this insert.
      const { rows } = await pool.query<UserRow>(
        `insert into auth.users (email, encrypted_password, email_confirmed_at, last_sign_in_at,
                                 raw_app_meta_data, raw_user_meta_data)
         values ($1, $2, now(), now(), '{"provider":"email","providers":["email"]}', $3)
         on conflict (lower(email)) do nothing
         returning ${USER_COLUMNS}`,
        [email, await hashPassword(password), JSON.stringify(body.data ?? {})],
      )
      if (!rows[0]) throw new AuthError(422, 'user_already_exists', 'User already registered')
      return send(res, 200, await issueSession(rows[0]))
    }
    if (route === 'POST /auth/v1/token' && searchParams.get('grant_type') === 'password') {
      const user = await findUser('lower(email) = $1', email)
      if (!user || !(await checkPassword(user.encrypted_password, password)))
        throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials')
      await pool.query('update auth.users set last_sign_in_at = now() where id = $1', [user.id])
      return send(res, 200, await issueSession(user))
    }
    if (route === 'POST /auth/v1/token' && searchParams.get('grant_type') === 'refresh_token') {
      // Refresh tokens are single use: each refresh rotates it, as GoTrue does.
      const token = String(body.refresh_token ?? '')
      const sessionId = refreshTokens.get(token)
      refreshTokens.delete(token)
      const user = sessionId && sessions.has(sessionId) ? await findUser('id = $1::uuid', sessions.get(sessionId)!) : undefined
      if (!sessionId || !user)
        throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
      return send(res, 200, await issueSession(user, sessionId))
    }
    if (route === 'GET /auth/v1/user') {
      const { sub } = await authenticate(req)
      const user = await findUser('id = $1::uuid', sub)
      if (!user) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
      return send(res, 200, toUserJson(user))
    }
    if (route === 'POST /auth/v1/logout') {
      const { sub, session_id } = await authenticate(req)
      const scope = searchParams.get('scope') ?? 'global'
      // global: all of the user's sessions; local: this one; others: all but this one.
      for (const [id, userId] of sessions) {
        const ends = scope === 'global' || (scope === 'local' ? id === session_id : id !== session_id)
        if (userId === sub && ends) sessions.delete(id)
      }
      for (const [token, id] of refreshTokens) if (!sessions.has(id)) refreshTokens.delete(token)
      return send(res, 204)
    }
    throw new AuthError(404, 'not_found', `The fake GoTrue does not implement ${route}`)
  }

  return fake
}
