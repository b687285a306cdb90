// Server actions called over HTTP as the browser calls them: the sign-in action is throttled
// like the JSON sign-in (one counter per email, shared by both and by the password form), and
// actions refuse cross-site calls (Origin of another site) without doing anything, while the
// same call from the app's own origin works.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

const base = () => inject('baseUrl')
const db = () => inject('nextDatabaseUrl')
const PASSWORD = 'the right password'
const INVALID = { value: { ok: false, error: 'Invalid email or password', values: expect.any(Object) } }
const SLOWED = { value: { ok: false, error: expect.stringMatching(/^Too many failed sign-in attempts. Try again in \d+ seconds?\.$/), values: expect.any(Object) } }

async function signUp(): Promise<string> {
  const email = `actions-${randomUUID()}@example.test`
  const response = await fetch(`${base()}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
  expect(response.status).toBe(201)
  return email
}

async function signInAction(email: string, password: string) {
  const response = await callServerAction(base(), '/login', serverActionId('app/(auth)/actions.ts', 'signInAction'), [null, form({ email, password })])
  const session = response.headers.getSetCookie().some((c) => c.startsWith('tg_session=') && !c.startsWith('tg_session=;'))
  return { session, outcome: actionOutcome(await response.text()) }
}

const signInApi = (email: string, password: string) =>
  fetch(`${base()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })

describe('sign-in through the server action is slowed after repeated failures', () => {
  it('signs in with the right password (and starts a session)', async () => {
    const email = await signUp()
    expect((await signInAction(email, PASSWORD)).session).toBe(true)
  })

  it('slows the email after five failures, even for the right password, with no session', async () => {
    const email = await signUp()
    for (let i = 0; i < 5; i++) expect(await signInAction(email, `wrong ${i}`)).toEqual({ session: false, outcome: INVALID })
    expect(await signInAction(email, PASSWORD)).toEqual({ session: false, outcome: SLOWED })
  })

  it('shares one counter with POST /api/auth/login: failures on either path slow both', async () => {
    const email = await signUp()
    for (let i = 0; i < 3; i++) expect((await signInApi(email, `wrong ${i}`)).status).toBe(401)
    expect((await signInAction(email, 'wrong 3')).outcome).toEqual(INVALID)
    expect((await signInAction(email, 'wrong 4')).outcome).toEqual(INVALID)
    expect((await signInApi(email, PASSWORD)).status).toBe(429)
    expect((await signInAction(email, PASSWORD)).session).toBe(false)
  })

  it('counts a wrong current password on the password form as a failed sign-in of that email', async () => {
    const user = await createGatewayUser(base())
    const email = await withClient(db(), async (c) => (await c.query('select email from auth.users where id = $1', [user.id])).rows[0].email)
    const change = (current: string) =>
      callServerAction(base(), '/settings/security', serverActionId('app/(app)/settings/actions.ts', 'changePasswordAction'), [null, form({ current, next: 'a new password 1', confirm: 'a new password 1' })], { cookie: user.cookie })
    for (let i = 0; i < 5; i++) {
      const outcome = actionOutcome(await (await change(`not my password ${i}`)).text())
      expect(outcome).toMatchObject({ value: { ok: false, error: 'Current password is wrong' } })
    }
    // The sixth guess is refused before the current password is checked, even the right one.
    expect(actionOutcome(await (await change('a long enough password')).text())).toMatchObject({ value: { ok: false, error: expect.stringMatching(/^Too many failed sign-in attempts/) } })
    expect((await signInApi(email, 'a long enough password')).status).toBe(429)
  })
})

describe('server actions refuse cross-site calls', () => {
  let user: GatewayUser
  let campaignId: string
  const FOREIGN = ['https://evil.example', 'null'] // another site; a sandboxed frame or data: URL

  const createKey = (name: string, origin?: string) =>
    callServerAction(base(), '/settings/security', serverActionId('app/(app)/settings/actions.ts', 'createApiKeyAction'), [null, form({ name })], {
      cookie: user.cookie,
      ...(origin ? { origin } : {}),
    })
  const keysNamed = (name: string) =>
    withClient(db(), async (c) => (await c.query('select count(*)::int as n from public.api_keys where user_id = $1 and name = $2', [user.id, name])).rows[0].n)

  beforeAll(async () => {
    user = await createGatewayUser(base())
    const created = await callServerAction(base(), '/studio', serverActionId('app/(app)/studio/actions.ts', 'createCampaignAction'), [null, form({ name: 'Spring' })], { cookie: user.cookie })
    campaignId = (actionOutcome(await created.text()) as { value: { data: { id: string } } }).value.data.id
  })

  it.each(FOREIGN)('refuses creating an API key from Origin %s, and creates none', async (origin) => {
    const name = `csrf ${randomUUID()}`
    const response = await createKey(name, origin)
    const body = await response.text()
    expect(response.status).toBe(500) // Next.js aborts the action: "Invalid Server Actions request"
    expect(actionOutcome(body)).toMatchObject({ error: expect.anything() })
    expect(body).not.toMatch(/tg_[A-Za-z0-9_-]{43}/)
    expect(await keysNamed(name)).toBe(0)
  })

  it('creates the key when the same call comes from the app\'s own origin', async () => {
    const name = `same-site ${randomUUID()}`
    const response = await createKey(name, base())
    expect(response.status).toBe(200)
    expect(actionOutcome(await response.text())).toMatchObject({ value: { ok: true, data: { key: expect.stringMatching(/^tg_/) } } })
    expect(await keysNamed(name)).toBe(1)
  })

  it('refuses renaming a campaign cross-site, and renames it same-site', async () => {
    const rename = (name: string, origin: string) =>
      callServerAction(base(), '/studio', serverActionId('app/(app)/studio/actions.ts', 'renameCampaignAction'), [null, form({ id: campaignId, name })], { cookie: user.cookie, origin })
    const nameNow = () => withClient(db(), async (c) => (await c.query('select name from public.campaigns where id = $1', [campaignId])).rows[0].name)
    expect((await rename('Hijacked', 'https://evil.example')).status).toBe(500)
    expect(await nameNow()).toBe('Spring')
    expect((await rename('Summer', base())).status).toBe(200)
    expect(await nameNow()).toBe('Summer')
  })

  it('refuses changing the password cross-site (the old password still signs in), and changes it same-site', async () => {
    const change = (next: string, origin: string) =>
      callServerAction(
        base(),
        '/settings/security',
        serverActionId('app/(app)/settings/actions.ts', 'changePasswordAction'),
        [null, form({ current: 'a long enough password', next, confirm: next })],
        { cookie: user.cookie, origin },
      )
    const email = await withClient(db(), async (c) => (await c.query('select email from auth.users where id = $1', [user.id])).rows[0].email)
    expect((await change('attacker chosen pw', 'https://evil.example')).status).toBe(500)
    expect((await signInApi(email, 'a long enough password')).status).toBe(200)
    expect((await change('my own new password', base())).status).toBe(200)
    expect((await signInApi(email, 'my own new password')).status).toBe(200)
  })
})
