// The JSON auth endpoints on the real Next.js server: sign-up, sign-in, sign-out, the session
// cookie, the Demo subscription, the per-email delay after repeated failures, and a sign-out
// that ends the session on the server and only from the app's own pages.
import { createHash, randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { withClient } from '@/test/databases'

const base = () => inject('baseUrl')

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  })
}

const sessionCookie = (response: Response) => response.headers.getSetCookie().find((c) => c.startsWith('tg_session='))
const newEmail = () => `user-${randomUUID()}@example.test`
const emailHash = (email: string) => createHash('sha256').update(email).digest('hex')

/** Seconds of delay the last failure set on `email` (null: no failures counted). */
const delayOf = (email: string) =>
  withClient(inject('nextDatabaseUrl'), async (c) => {
    const { rows } = await c.query(
      `select extract(epoch from locked_until - updated_at)::float as delay from public.auth_login_throttle where email_hash = $1`,
      [emailHash(email)],
    )
    return rows.length ? Math.round(rows[0].delay ?? 0) : null
  })

/** Waits as long as a 429 asked (its Retry-After), as a client would. */
const afterRetry = (response: Response) => new Promise((r) => setTimeout(r, Number(response.headers.get('retry-after')) * 1000))

/** Waits until the email's delay has passed (read from the database, no attempt spent). */
async function waitUntilAllowed(email: string) {
  for (;;) {
    const left = await withClient(inject('nextDatabaseUrl'), async (c) =>
      Number((await c.query(`select coalesce(extract(epoch from max(locked_until) - now()), 0)::float as s from public.auth_login_throttle where email_hash = $1`, [emailHash(email)])).rows[0].s),
    )
    if (left <= 0) return
    await new Promise((r) => setTimeout(r, Math.min(left * 1000 + 20, 1_000)))
  }
}

describe('POST /api/auth/signup', () => {
  it('creates the user with a Demo subscription and sets a Supabase-shaped session cookie', async () => {
    const email = newEmail()
    const response = await post('/api/auth/signup', { email: email.toUpperCase(), password: 'long enough pw', displayName: 'Grace' })
    expect(response.status).toBe(201)
    const { user } = await response.json()
    expect(user).toMatchObject({ email, displayName: 'Grace' })

    const cookie = sessionCookie(response)!
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=lax/i)
    expect(cookie).toMatch(/; Secure/i) // a production server marks it Secure
    const claims = decodeJwt(cookie.split(';')[0].slice('tg_session='.length))
    expect(claims).toMatchObject({ sub: user.id, email, role: 'authenticated', aud: 'authenticated' })
    expect(claims.exp! - claims.iat!).toBe(7 * 24 * 3600)

    const rows = await withClient(inject('nextDatabaseUrl'), async (c) =>
      (await c.query('select plan_type, plan_name, chat_messages_limit from public.user_subscriptions where user_id = $1', [user.id])).rows,
    )
    expect(rows).toEqual([{ plan_type: 'demo', plan_name: 'Demo Plan - Unlimited Access', chat_messages_limit: 999999 }])
  })

  it('stores an argon2id hash, never the password', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'another secret pw' })
    const [row] = await withClient(inject('nextDatabaseUrl'), async (c) =>
      (await c.query('select encrypted_password from auth.users where email = $1', [email])).rows,
    )
    expect(row.encrypted_password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(row.encrypted_password).not.toContain('another secret pw')
  })

  // Every /api route answers a refusal in OpenAI's error shape, naming the field at fault.
  const refusal = (code: string, type: string, message: unknown, param: string | null = null) => ({ error: { message, type, code, param } })

  it.each([
    [{ email: 'not-an-email', password: 'long enough pw' }, refusal('invalid_request', 'invalid_request_error', 'email: Enter a valid email address', 'email')],
    [{ email: newEmail(), password: 'short' }, refusal('invalid_request', 'invalid_request_error', 'password: Password must be at least 8 characters', 'password')],
    [{ email: newEmail() }, refusal('invalid_request', 'invalid_request_error', 'password: Password is required', 'password')],
    ['{"email":', refusal('invalid_request', 'invalid_request_error', expect.stringMatching(/^Request body is not valid JSON: /))],
    [[1, 2], refusal('invalid_request', 'invalid_request_error', 'Request body must be a JSON object')],
  ])('refuses %j with 400', async (body, expected) => {
    const response = await post('/api/auth/signup', body)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(expected)
  })

  it('refuses a body that is not JSON by content type with 415', async () => {
    const response = await post('/api/auth/signup', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(response.status).toBe(415)
    expect(await response.json()).toEqual(refusal('unsupported_media_type', 'invalid_request_error', 'Content-Type must be application/json'))
  })

  it('refuses a body past the form cap with 413 before reading it whole', async () => {
    const response = await post('/api/auth/login', { email: newEmail(), password: 'x'.repeat(17 * 1024) })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual(refusal('payload_too_large', 'invalid_request_error', 'Request body exceeds 16 KiB'))
  })

  it('refuses a second account for the same email, whatever its case, with 409', async () => {
    const email = newEmail()
    expect((await post('/api/auth/signup', { email, password: 'long enough pw' })).status).toBe(201)
    const again = await post('/api/auth/signup', { email: email.toUpperCase(), password: 'other long pw' })
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({ error: { message: 'An account with this email already exists', type: 'invalid_request_error', code: 'email_taken', param: null } })
  })

  it('creates exactly one user when the same email signs up in parallel', async () => {
    const email = newEmail()
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => post('/api/auth/signup', { email, password: 'long enough pw' }).then((r) => r.status)),
    )
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409])
  })
})

describe('POST /api/auth/login and /api/auth/logout', () => {
  it('signs in with the right password, and the cookie opens the signed-in shell', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const response = await post('/api/auth/login', { email, password: 'long enough pw' })
    expect(response.status).toBe(200)
    const cookie = sessionCookie(response)!.split(';')[0]
    const settings = await fetch(`${base()}/settings/usage`, { headers: { cookie }, redirect: 'manual' })
    expect(settings.status).toBe(200)
    expect(await settings.text()).toContain('Demo Plan - Unlimited Access')
  })

  it('answers 401 with the same message for a wrong password and for an unknown email', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const wrongPassword = await post('/api/auth/login', { email, password: 'wrong password' })
    const unknownEmail = await post('/api/auth/login', { email: newEmail(), password: 'long enough pw' })
    expect(wrongPassword.status).toBe(401)
    expect(unknownEmail.status).toBe(401)
    const answer = await wrongPassword.json()
    expect(answer).toEqual({ error: { message: 'Invalid email or password', type: 'authentication_error', code: 'invalid_credentials', param: null } })
    expect(await unknownEmail.json()).toEqual(answer)
  })

  it('slows an email after five failures with a delay that grows, and the right password works after it', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await post('/api/auth/login', { email, password: `wrong ${i}` })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401])
    // Refused before the password is checked (the right one too), for a second only.
    const slowed = await post('/api/auth/login', { email, password: 'long enough pw' })
    expect(slowed.status).toBe(429)
    expect(Number(slowed.headers.get('retry-after'))).toBe(1)
    expect((await slowed.json()).error).toEqual({ message: expect.stringMatching(/Too many failed sign-in attempts. Try again in 1 second/), type: 'rate_limit_error', code: 'too_many_attempts', param: null })
    expect(await delayOf(email)).toBe(1)

    await afterRetry(slowed)
    expect((await post('/api/auth/login', { email, password: 'wrong 5' })).status).toBe(401)
    expect(await delayOf(email)).toBe(2)
    const again = await post('/api/auth/login', { email, password: 'long enough pw' })
    expect(again.status).toBe(429)
    await afterRetry(again)
    expect((await post('/api/auth/login', { email, password: 'wrong 6' })).status).toBe(401)
    expect(await delayOf(email)).toBe(4)

    // The owner waits out the delay and is in: nobody can lock them out for long.
    await waitUntilAllowed(email)
    expect((await post('/api/auth/login', { email, password: 'long enough pw' })).status).toBe(200)
    expect(await delayOf(email)).toBeNull()
  })

  it('counts parallel failures: a burst of guesses cannot outrun the delay', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post('/api/auth/login', { email, password: `guess ${i}` }).then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3)
    await waitUntilAllowed(email)
    expect((await post('/api/auth/login', { email, password: 'long enough pw' })).status).toBe(200)
  })

  it('signs out by clearing the cookie', async () => {
    const response = await post('/api/auth/logout', {})
    expect(response.status).toBe(204)
    expect(sessionCookie(response)).toMatch(/tg_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
  })

  it('ends the session on the server: a copy of the cookie stops working on pages, APIs and the gateway', async () => {
    const email = newEmail()
    const cookie = sessionCookie(await post('/api/auth/signup', { email, password: 'long enough pw' }))!.split(';')[0]
    const other = sessionCookie(await post('/api/auth/login', { email, password: 'long enough pw' }))!.split(';')[0]
    const works = async (c: string) => {
      const keys = await fetch(`${base()}/api/keys`, { headers: { cookie: c } })
      const models = await fetch(`${base()}/api/v1/models`, { headers: { cookie: c } })
      const page = await fetch(`${base()}/settings/usage`, { headers: { cookie: c }, redirect: 'manual' })
      return [keys.status, models.status, page.status === 307 ? page.headers.get('location')?.split('?')[0] : page.status]
    }
    expect(await works(cookie)).toEqual([200, 200, 200])
    expect((await post('/api/auth/logout', {}, { cookie, origin: base(), 'sec-fetch-site': 'same-origin' })).status).toBe(204)
    expect(await works(cookie)).toEqual([401, 401, '/login'])
    // Only that session ended: the same user's other browser is still signed in.
    expect(await works(other)).toEqual([200, 200, 200])
  })

  it.each([
    [{ origin: 'https://evil.example' }],
    [{ origin: 'null' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site', origin: 'https://sub.localhost' }],
  ])('refuses a cross-site sign-out (%j) with 403 and leaves the session alone', async (headers) => {
    const cookie = sessionCookie(await post('/api/auth/signup', { email: newEmail(), password: 'long enough pw' }))!.split(';')[0]
    const response = await post('/api/auth/logout', {}, { cookie, ...headers })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ error: { message: 'Sign-out is accepted only from this site\'s own pages', type: 'permission_error', code: 'cross_site_request', param: null } })
    expect(sessionCookie(response)).toBeUndefined()
    expect((await fetch(`${base()}/api/keys`, { headers: { cookie } })).status).toBe(200)
  })

  it('rejects a forged or tampered session cookie', async () => {
    const email = newEmail()
    const signup = await post('/api/auth/signup', { email, password: 'long enough pw' })
    const token = sessionCookie(signup)!.split(';')[0].slice('tg_session='.length)
    const [header, payload, signature] = token.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(token), email: 'admin@example.test' })).toString('base64url')
    for (const bad of [`${header}.${forgedPayload}.${signature}`, `${header}.${payload}.`, 'garbage']) {
      const page = await fetch(`${base()}/settings`, { headers: { cookie: `tg_session=${bad}` }, redirect: 'manual' })
      expect(page.status).toBe(307)
      expect(page.headers.get('location')).toContain('/login?next=%2Fsettings')
    }
  })
})
