// The JSON auth endpoints on the real Next.js server: sign-up, sign-in, sign-out, the session
// cookie, the Demo subscription, and the throttle on repeated failures.
import { randomUUID } from 'node:crypto'
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

  it.each([
    [{ email: 'not-an-email', password: 'long enough pw' }, 400, 'email: Enter a valid email address'],
    [{ email: newEmail(), password: 'short' }, 400, 'password: Password must be at least 8 characters'],
    [{ email: newEmail() }, 400, 'password: Password is required'],
    ['{"email":', 400, 'Request body is not valid JSON'],
    [[1, 2], 400, 'Invalid input: expected object, received array'],
  ])('refuses %j with %i', async (body, status, message) => {
    const response = await post('/api/auth/signup', body)
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: { code: 'invalid_request', message } })
  })

  it('refuses a body that is not JSON by content type with 415', async () => {
    const response = await post('/api/auth/signup', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(response.status).toBe(415)
  })

  it('refuses a second account for the same email, whatever its case, with 409', async () => {
    const email = newEmail()
    expect((await post('/api/auth/signup', { email, password: 'long enough pw' })).status).toBe(201)
    const again = await post('/api/auth/signup', { email: email.toUpperCase(), password: 'other long pw' })
    expect(again.status).toBe(409)
    expect((await again.json()).error.code).toBe('email_taken')
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
    expect(await wrongPassword.json()).toEqual(await unknownEmail.json())
  })

  it('locks an email after five failures, even for the right password, with Retry-After', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await post('/api/auth/login', { email, password: `wrong ${i}` })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 429])
    const locked = await post('/api/auth/login', { email, password: 'long enough pw' })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800)
    expect((await locked.json()).error.message).toMatch(/Too many failed sign-in attempts. Try again in 15 minutes/)
  })

  it('counts parallel failures: a burst of guesses cannot outrun the lock', async () => {
    const email = newEmail()
    await post('/api/auth/signup', { email, password: 'long enough pw' })
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post('/api/auth/login', { email, password: `guess ${i}` }).then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(4)
    expect((await post('/api/auth/login', { email, password: 'long enough pw' })).status).toBe(429)
  })

  it('signs out by clearing the cookie', async () => {
    const response = await post('/api/auth/logout', {})
    expect(response.status).toBe(204)
    expect(sessionCookie(response)).toMatch(/tg_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
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
