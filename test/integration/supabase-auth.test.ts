// The Supabase Auth backend end to end: a real `next dev` with NEXT_PUBLIC_SUPABASE_URL set,
// talking to a fake GoTrue (test/fakes/gotrue.ts) that, like Supabase, keeps its users in the
// app's own database. This server is separate from the shared one (test/global-next.ts): the
// backend is chosen from env at boot, and its build folder is separate so the two never share
// a dev lock.
import { createHash, randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMigratedDatabase, withClient } from '@/test/databases'
import { startFakeGoTrue, type FakeGoTrue } from '@/test/fakes/gotrue'
import { startNextDev, type NextServer } from '@/test/next-server'

let gotrue: FakeGoTrue
let databaseUrl: string
let server: NextServer
let base: string

beforeAll(async () => {
  databaseUrl = await createMigratedDatabase('supabase')
  gotrue = await startFakeGoTrue(databaseUrl)
  server = await startNextDev({
    distDir: '.next-supabase-test',
    env: {
      DATABASE_URL: databaseUrl,
      NEXT_PUBLIC_SUPABASE_URL: gotrue.url,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: gotrue.anonKey,
      SUPABASE_JWT_SECRET: gotrue.jwtSecret,
      // A Supabase deployment needs no secret of its own: leaving it out proves nothing signs
      // or verifies built-in sessions on this path.
      AUTH_SECRET: undefined,
    },
  })
  base = server.url
})

afterAll(async () => {
  await server?.stop()
  await gotrue?.close()
})

function post(path: string, body: unknown, cookie?: string) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
    redirect: 'manual',
  })
}

const page = (path: string, cookie?: string) =>
  fetch(`${base}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' })

// Supabase's session cookie, `sb-<project ref>-auth-token`, split into `.0`, `.1`… when large.
const AUTH_COOKIE = /^sb-[^=]+-auth-token(?:\.\d+)?=/
const authCookies = (r: Response) => r.headers.getSetCookie().filter((c) => AUTH_COOKIE.test(c))

/** The Cookie header a browser would send back after `r`: its non-empty auth cookies. */
const cookieHeader = (r: Response) =>
  authCookies(r)
    .map((c) => c.split(';')[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ')

/** The session @supabase/ssr stored in a Cookie header: chunks joined, base64url decoded. */
function sessionIn(header: string): { access_token: string; refresh_token: string; expires_in: number } {
  const value = header
    .split('; ')
    .map((pair) => pair.slice(pair.indexOf('=') + 1))
    .join('')
  return JSON.parse(Buffer.from(value.replace(/^base64-/, ''), 'base64url').toString())
}

const newEmail = () => `supa-${randomUUID()}@example.test`
const PASSWORD = 'long enough pw'
const signUp = (email: string, displayName?: string) => post('/api/auth/signup', { email, password: PASSWORD, displayName })

const throttleRows = (email: string) =>
  withClient(databaseUrl, async (c) =>
    (
      await c.query('select failures from public.auth_login_throttle where email_hash = $1', [
        createHash('sha256').update(email).digest('hex'),
      ])
    ).rows,
  )

describe('Supabase Auth backend', () => {
  it('signs up through Supabase: 201, sb-…-auth-token cookie, user in auth.users, Demo subscription', async () => {
    const email = newEmail()
    const response = await signUp(email, 'Grace')
    expect(response.status).toBe(201)
    const { user } = await response.json()
    expect(user).toMatchObject({ email, displayName: 'Grace' })
    expect(response.headers.getSetCookie().some((c) => c.startsWith('tg_session='))).toBe(false)

    const cookie = cookieHeader(response)
    expect(cookie).toMatch(/^sb-127-auth-token(\.0)?=base64-/)
    const claims = decodeJwt(sessionIn(cookie).access_token)
    expect(claims).toMatchObject({ sub: user.id, email, role: 'authenticated', aud: 'authenticated' })
    expect(gotrue.calls).toContain('POST /auth/v1/signup')

    const users = await withClient(databaseUrl, async (c) =>
      (await c.query('select id::text, encrypted_password, raw_user_meta_data from auth.users where email = $1', [email])).rows,
    )
    expect(users).toEqual([{ id: user.id, encrypted_password: expect.stringMatching(/^scrypt\$/), raw_user_meta_data: { display_name: 'Grace' } }])
    const subscriptions = await withClient(databaseUrl, async (c) =>
      (await c.query('select plan_type, plan_name from public.user_subscriptions where user_id = $1', [user.id])).rows,
    )
    expect(subscriptions).toEqual([{ plan_type: 'demo', plan_name: 'Demo Plan - Unlimited Access' }])
  })

  it('opens /settings with the Supabase cookies (getUser + RLS), and redirects without a valid session', async () => {
    const email = newEmail()
    const cookie = cookieHeader(await signUp(email, 'Ada'))
    const settings = await page('/settings/usage', cookie)
    expect(settings.status).toBe(200)
    const html = await settings.text()
    expect(html).toContain('Demo Plan - Unlimited Access')
    expect(html).toContain(email)
    expect(gotrue.calls).toContain('GET /auth/v1/user')

    // No cookie, and a cookie whose token the fake did not sign: getUser() asks Supabase, so
    // neither gets in.
    const session = sessionIn(cookie)
    const [header, , signature] = session.access_token.split('.')
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(session.access_token), sub: randomUUID() })).toString('base64url')
    const forged = `sb-127-auth-token=base64-${Buffer.from(JSON.stringify({ ...session, access_token: `${header}.${payload}.${signature}` })).toString('base64url')}`
    for (const bad of [undefined, forged]) {
      const redirected = await page('/settings', bad)
      expect(redirected.status).toBe(307)
      expect(redirected.headers.get('location')).toMatch(/\/login\?next=%2Fsettings$/)
    }
    // /login is not guarded by proxy.ts, so this is getUser() in the page on its own: a real
    // session is sent on to /studio, the forged one is shown the form.
    const signedIn = await page('/login', cookie)
    expect(signedIn.status).toBe(307)
    expect(signedIn.headers.get('location')).toMatch(/\/studio$/)
    expect((await page('/login', forged)).status).toBe(200)
  })

  it('signs in: wrong password 401 invalid_credentials (counted in the throttle table), right one 200 with cookies', async () => {
    const email = newEmail()
    await signUp(email)
    const wrong = await post('/api/auth/login', { email, password: 'wrong password' })
    expect(wrong.status).toBe(401)
    expect((await wrong.json()).error.code).toBe('invalid_credentials')
    expect(authCookies(wrong).filter((c) => !/Max-Age=0/i.test(c))).toEqual([])
    expect(await throttleRows(email)).toEqual([{ failures: 1 }])

    const right = await post('/api/auth/login', { email, password: PASSWORD })
    expect(right.status).toBe(200)
    expect((await right.json()).user.email).toBe(email)
    const cookie = cookieHeader(right)
    expect(cookie).toMatch(/^sb-127-auth-token/)
    expect(await throttleRows(email)).toEqual([])
    expect((await page('/settings/usage', cookie)).status).toBe(200)
  })

  it('slows an email after five failures, refusing before it asks Supabase again', async () => {
    const email = newEmail()
    await signUp(email)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await post('/api/auth/login', { email, password: `wrong ${i}` })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401])
    const passwordGrants = gotrue.calls.filter((c) => c.includes('grant_type=password')).length
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(429)
    expect(gotrue.calls.filter((c) => c.includes('grant_type=password')).length).toBe(passwordGrants)
  })

  it('answers 503 during a Supabase outage and does not count it as a wrong password', async () => {
    const email = newEmail()
    await signUp(email)
    gotrue.outage = true
    try {
      const response = await post('/api/auth/login', { email, password: PASSWORD })
      expect(response.status).toBe(503)
      expect((await response.json()).error.code).toBe('unavailable')
      expect(await throttleRows(email)).toEqual([])
    } finally {
      gotrue.outage = false
    }
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200)
  })

  it('refuses the same email twice with 409 email_taken', async () => {
    const email = newEmail()
    expect((await signUp(email)).status).toBe(201)
    const again = await post('/api/auth/signup', { email: email.toUpperCase(), password: 'other long pw' })
    expect(again.status).toBe(409)
    expect((await again.json()).error.code).toBe('email_taken')
  })

  it('refreshes an expiring session in proxy.ts and hands the browser the new cookies', async () => {
    const email = newEmail()
    await signUp(email)
    // Tokens within 90 s of expiry are refreshed before use; issue one that is.
    gotrue.accessTokenTtl = 30
    const login = await post('/api/auth/login', { email, password: PASSWORD }).finally(() => (gotrue.accessTokenTtl = 3600))
    const cookie = cookieHeader(login)
    const refreshesBefore = gotrue.calls.filter((c) => c.includes('grant_type=refresh_token')).length

    const settings = await page('/settings/usage', cookie)
    expect(settings.status).toBe(200)
    expect(await settings.text()).toContain('Demo Plan - Unlimited Access')
    expect(gotrue.calls.filter((c) => c.includes('grant_type=refresh_token')).length).toBe(refreshesBefore + 1)
    const renewed = cookieHeader(settings)
    expect(renewed).toMatch(/^sb-127-auth-token/)
    expect(sessionIn(renewed)).toMatchObject({ expires_in: 3600 })
    expect(sessionIn(renewed).refresh_token).not.toBe(sessionIn(cookie).refresh_token)
    expect((await page('/settings/usage', renewed)).status).toBe(200)
  })

  it('signs out: 204, the sb cookie cleared, the session ended at Supabase', async () => {
    const email = newEmail()
    const cookie = cookieHeader(await signUp(email))
    const response = await post('/api/auth/logout', {}, cookie)
    expect(response.status).toBe(204)
    const cleared = authCookies(response)
    expect(cleared.length).toBeGreaterThan(0)
    for (const c of cleared) expect(c).toMatch(/^sb-127-auth-token(\.\d+)?=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
    expect(gotrue.calls).toContain('POST /auth/v1/logout?scope=global')
    // The old cookies are dead everywhere, not just forgotten by this browser.
    const settings = await page('/settings/usage', cookie)
    expect(settings.status).toBe(307)
  })

  it('clears the cookies of a session ended elsewhere when it redirects to /login', async () => {
    const email = newEmail()
    const elsewhere = cookieHeader(await signUp(email))
    const here = cookieHeader(await post('/api/auth/login', { email, password: PASSWORD }))
    // Signing out is global by default: it ends the other browser's session too.
    expect((await post('/api/auth/logout', {}, here)).status).toBe(204)
    const settings = await page('/settings', elsewhere)
    expect(settings.status).toBe(307)
    expect(settings.headers.get('location')).toMatch(/\/login\?next=%2Fsettings$/)
    // Without the clearing cookies the browser would keep sending a dead session, and every
    // page view would ask Supabase about it again.
    const cleared = authCookies(settings)
    expect(cleared.length).toBeGreaterThan(0)
    for (const c of cleared) expect(c).toMatch(/^sb-127-auth-token(\.\d+)?=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
  })

  it('takes the user\'s access token as the gateway bearer: metered to that user; forged or naming another user refused', async () => {
    const response = await signUp(newEmail())
    const { user } = await response.json()
    const token = sessionIn(cookieHeader(response)).access_token
    const call = (bearer: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 }),
      })
    expect((await call(token)).status).toBe(200)
    const rows = async () =>
      withClient(databaseUrl, async (c) => (await c.query("select metadata->>'auth' as auth from public.api_usage where user_id = $1", [user.id])).rows)
    for (let i = 0; i < 50 && (await rows()).length === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await rows()).toEqual([{ auth: 'session' }])
    const [header, payload] = token.split('.')
    const forged = `${header}.${payload}.${'A'.repeat(43)}`
    expect((await call(forged)).status).toBe(401)
    const denied = await call(token, { 'x-tollgate-user': randomUUID() })
    expect(denied.status).toBe(403)
    expect((await denied.json()).error.code).toBe('permission_denied')
    expect(await rows()).toHaveLength(1)
  })
})
