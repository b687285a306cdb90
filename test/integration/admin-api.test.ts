// The operator API (/api/admin/v1) against the real server: only an admin key gets in (anyone
// else gets the 404 of a path that is not there), every write leaves an audit row naming the
// key, the keys it issues work on the gateway until it revokes them, and no body or query, however
// hostile, gets anything but a precise 4xx.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_API_ROUTES } from '@/lib/admin/api/openapi'
import { CreatedApiKeySchema, CreatedUserSchema, UserDetailSchema } from '@/lib/admin/api/schemas'
import { RollupsSchema, UsagePageSchema } from '@/lib/admin/api/usage-schemas'
import { hashKey } from '@/lib/keys/hash'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

const db = () => process.env.DATABASE_URL!
const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(db(), async (c) => (await c.query<T>(text, params)).rows)
let server: NextServer
let member: GatewayUser
const keys = { admin: '', revoked: '', service: '' }
let adminPrefix = ''

async function insertOperatorKey(kind: 'admin' | 'service', revoked = false): Promise<string> {
  const key = `${kind === 'admin' ? 'tga_' : 'tgs_'}${randomBytes(32).toString('base64url')}`
  await sql(`insert into public.operator_keys (kind, name, key_prefix, key_hash, created_by, revoked_at) values ($1, 'tests', $2, $3, 'tests', $4)`, [kind, key.slice(0, 12), hashKey(key), revoked ? new Date() : null])
  return key
}

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'admin-api-test-secret-at-least-32-characters' })
  member = await createGatewayUser(server.url)
  keys.admin = await insertOperatorKey('admin')
  keys.revoked = await insertOperatorKey('admin', true)
  keys.service = await insertOperatorKey('service')
  adminPrefix = keys.admin.slice(0, 12)
})
afterAll(() => server?.stop())

// The answers are checked field by field (or parsed with the API's own response schemas).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON from the wire
type Json = any
type Call = { status: number; body: Json; headers: Headers }
async function api(method: string, path: string, options: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {}): Promise<Call> {
  const key = options.key === undefined ? keys.admin : options.key
  const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers }
  const response = await fetch(`${server.url}/api/admin/v1${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) })
  const text = await response.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : null
  } catch {}
  return { status: response.status, body, headers: response.headers }
}

/** The audit rows about `userId`, oldest first (a creation names the new user in `after`). */
const auditOf = (userId: string) =>
  sql<{ actor: string; action: string; before: Json; after: Json }>(`select actor, action, before, after from public.operator_audit where target_user = $1 order by id`, [userId])
const email = () => `api-${randomUUID()}@example.test`

describe('who gets in', () => {
  const paths: [string, string, unknown?][] = [
    ['GET', '/openapi.json'],
    ['POST', '/users', { email: 'intruder@example.test' }],
    ['GET', '/users/00000000-0000-4000-8000-000000000000'],
    ['PATCH', '/users/intruder@example.test', { plan: 'pro' }],
    ['DELETE', '/users/ext:someone/keys'],
    ['GET', '/no/such/path'],
    ['OPTIONS', '/users'],
    ['PUT', '/users'],
  ]

  it.each(paths)('%s %s: 404 without an admin key (none, unknown, revoked, service, user, session)', async (method, path, body) => {
    const strangers = [null, `tga_${randomBytes(32).toString('base64url')}`, keys.revoked, keys.service, member.key, 'tga_short']
    const answers = await Promise.all([
      ...strangers.map((key) => api(method, path, { key, body })),
      api(method, path, { key: null, body, headers: { cookie: member.cookie } }),
    ])
    for (const answer of answers) {
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({ error: { message: `Invalid URL (${method} /api/admin/v1${path}): no such endpoint.`, type: 'invalid_request_error', code: 'not_found', param: null } })
    }
    expect(await sql(`select 1 from auth.users where email = 'intruder@example.test'`)).toEqual([])
  })

  it('every documented route: 404 without an admin key, nothing written', async () => {
    const before = await sql(`select count(*)::int as n from public.operator_audit`)
    for (const route of ADMIN_API_ROUTES) {
      const path = route.path.replace('{ref}', member.id).replace('{id}', randomUUID())
      const body = route.body ? { email: email(), external_id: 'x', plan: 'pro', name: 'k' } : undefined
      for (const key of [null, keys.service, member.key, keys.revoked]) {
        const answer = await api(route.method.toUpperCase(), path, { key, body })
        expect(answer.status, `${route.method} ${path}`).toBe(404)
        expect(answer.body.error.code).toBe('not_found')
      }
    }
    expect(await sql(`select count(*)::int as n from public.operator_audit`)).toEqual(before)
  })

  it('answers an admin key, and a wrong method with a JSON 405 naming the allowed ones', async () => {
    const doc = await api('GET', '/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toBe('3.1.0')
    for (const route of ADMIN_API_ROUTES) expect(doc.body.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toBeDefined()
    const wrong = await api('PUT', '/users')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect((await api('GET', '/no/such/path')).status).toBe(404)
    const [{ last_used_at }] = await sql<{ last_used_at: Date | null }>(`select last_used_at from public.operator_keys where key_prefix = $1`, [adminPrefix])
    expect(last_used_at).not.toBeNull()
  })
})

describe('find or create', () => {
  it('creates by email (201) and finds again (200), audited with the admin key', async () => {
    const address = email()
    const created = await api('POST', '/users', { body: { email: address.toUpperCase() } })
    expect(created.status).toBe(201)
    const parsed = CreatedUserSchema.parse(created.body)
    expect(parsed).toMatchObject({ created: true, user: { email: address, external_id: null } })
    const again = await api('POST', '/users', { body: { email: address } })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ created: false, user: { id: parsed.user.id } })
    expect(await auditOf(parsed.user.id)).toEqual([expect.objectContaining({ actor: `admin_key:${adminPrefix}`, action: 'user.create' })])
  })

  it('creates by external id, finds it by ext: (percent-encoded, with / and %), and links an email user to one', async () => {
    const externalId = `team/${randomUUID()} 100%`
    const created = await api('POST', '/users', { body: { external_id: externalId } })
    expect(created.status).toBe(201)
    expect(created.body.user).toMatchObject({ email: null, external_id: externalId })
    const found = await api('GET', `/users/${encodeURIComponent(`ext:${externalId}`)}`)
    expect(found.status).toBe(200)
    expect(UserDetailSchema.parse(found.body).user.id).toBe(created.body.user.id)

    const address = email()
    const byEmail = await api('POST', '/users', { body: { email: address } })
    const linked = await api('POST', '/users', { body: { email: address, external_id: `link-${randomUUID()}` } })
    expect(linked.status).toBe(200)
    expect(linked.body).toMatchObject({ created: false, user: { id: byEmail.body.user.id, email: address, external_id: expect.stringMatching(/^link-/) } })
  })

  it('409 when the email and the external id name different users, or the email\'s user has another external id', async () => {
    const [a, b] = [email(), `b-${randomUUID()}`]
    await api('POST', '/users', { body: { email: a, external_id: `a-${randomUUID()}` } })
    await api('POST', '/users', { body: { external_id: b } })
    const crossed = await api('POST', '/users', { body: { email: a, external_id: b } })
    expect(crossed.status).toBe(409)
    expect(crossed.body.error).toMatchObject({ code: 'conflict', message: `The external id ${b} names another user than ${a}.` })
    const remapped = await api('POST', '/users', { body: { email: a, external_id: `new-${randomUUID()}` } })
    expect(remapped.status).toBe(409)
    expect(remapped.body.error).toMatchObject({ code: 'conflict', message: `The user with the email ${a} already has another external id.` })
  })
})

describe('terms, keys and usage of a user', () => {
  let user: { id: string; email: string }
  beforeAll(async () => {
    const address = email()
    user = (await api('POST', '/users', { body: { email: address, external_id: `terms-${randomUUID()}` } })).body.user
  })

  it('changes plan, limits, budget, enforcement and rates; GET shows them; one audit row per change', async () => {
    const change = { plan: 'pro', limits: { chat: 123, embedding: 9 }, budget: '42.50', enforcement: 'soft', rates: { chat: { requests_per_minute: 77, tokens_per_minute: null } } }
    const patched = await api('PATCH', `/users/${user.id}`, { body: change })
    expect(patched.status, JSON.stringify(patched.body)).toBe(200)
    const expected = { plan_type: 'pro', enforcement_mode: 'soft', monthly_cost_budget: '42.5', limits: expect.objectContaining({ chat: 123 }), service_limits: expect.objectContaining({ embedding: 9 }), rates: expect.objectContaining({ chat: { requests_per_minute: 77, tokens_per_minute: null } }) }
    expect(patched.body.terms).toMatchObject(expected)
    const shown = await api('GET', `/users/${encodeURIComponent(user.email.toUpperCase())}`)
    expect(shown.status).toBe(200)
    expect(UserDetailSchema.parse(shown.body).terms).toMatchObject(expected)
    expect(shown.body.usage.services.chat).toMatchObject({ used: 0, limit: 123 })
    const audit = await auditOf(user.id)
    expect(audit.map((r) => r.action)).toEqual(['user.create', 'user.plan', 'user.limit', 'user.limit', 'user.budget', 'user.enforcement', 'user.rpm', 'user.tpm'])
    expect(new Set(audit.map((r) => r.actor))).toEqual(new Set([`admin_key:${adminPrefix}`]))
    expect(audit.find((r) => r.action === 'user.budget')).toMatchObject({ after: expect.objectContaining({ monthly_cost_budget: '42.5' }) })
  })

  it('refuses a change that would fail half way before writing anything: an unknown plan, a bad field', async () => {
    const before = (await auditOf(user.id)).length
    const plan = await api('PATCH', `/users/${user.id}`, { body: { plan: 'platinum', budget: '1' } })
    expect(plan.status).toBe(400)
    expect(plan.body.error).toMatchObject({ param: 'plan', message: expect.stringMatching(/^plan must be one of .*pro/) })
    const field = await api('PATCH', `/users/${user.id}`, { body: { plan: 'free', limits: { chat: -1 } } })
    expect(field.body.error).toMatchObject({ code: 'invalid_request', param: 'limits.chat', message: 'limits.chat: limit must be at least 0' })
    expect((await auditOf(user.id)).length).toBe(before)
    expect((await api('GET', `/users/${user.id}`)).body.terms.plan_type).toBe('pro')
  })

  it('issues a key that works on the gateway, lists it, and revokes it (one, then all)', async () => {
    const issued = await api('POST', `/users/${user.id}/keys`, { body: { name: 'backend' } })
    expect(issued.status).toBe(201)
    const key = CreatedApiKeySchema.parse(issued.body)
    const chat = (k: string) =>
      fetch(`${server.url}/api/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }) })
    expect((await chat(key.key)).status).toBe(200)
    const listed = await api('GET', `/users/${user.id}/keys`)
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([key.id])
    expect(JSON.stringify(listed.body)).not.toContain(key.key)
    expect((await api('DELETE', `/users/${user.id}/keys/${key.id}`)).status).toBe(204)
    expect((await api('DELETE', `/users/${user.id}/keys/${key.id}`)).status).toBe(404)
    expect((await chat(key.key)).status).toBe(401)

    const [second, third] = await Promise.all([api('POST', `/users/${user.id}/keys`, { body: { name: 'two' } }), api('POST', `/users/${user.id}/keys`, { body: { name: 'three' } })])
    // Another user's key is not this user's to revoke.
    expect((await api('DELETE', `/users/${member.id}/keys/${second.body.id}`)).status).toBe(404)
    expect((await api('DELETE', `/users/${user.id}/keys`)).body).toEqual({ revoked: 2 })
    expect((await chat(third.body.key)).status).toBe(401)
    const actions = (await auditOf(user.id)).map((r) => r.action)
    expect(actions.filter((a) => a === 'user.key_create')).toHaveLength(3)
    expect(actions).toEqual(expect.arrayContaining(['user.key_revoke', 'user.keys_revoke']))
  })

  it('reads the user\'s calls (keyset-paginated, filtered) and rollups after gateway calls; releases holds', async () => {
    await Promise.all([1, 2].map(() => member.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })))
    await usageRows(db(), member.id, 2)
    const first = await api('GET', `/users/${member.id}/usage?limit=1&service=chat`)
    expect(first.status).toBe(200)
    const page = UsagePageSchema.parse(first.body)
    expect(page.data).toHaveLength(1)
    expect(page.next_cursor).not.toBeNull()
    const second = UsagePageSchema.parse((await api('GET', `/users/${member.id}/usage?limit=1&service=chat&cursor=${page.next_cursor}`)).body)
    expect(second.data[0].id).not.toBe(page.data[0].id)
    expect((await api('GET', `/users/${member.id}/usage?service=image`)).body.data).toEqual([])
    expect((await api('GET', `/users/${member.id}/usage?from=2000-01-01&to=2000-01-02`)).body.data).toEqual([])

    const today = new Date().toISOString().slice(0, 10)
    let rollups = RollupsSchema.parse((await api('GET', `/users/${member.id}/rollups?period=day&from=${today}&to=${today}`)).body)
    for (let i = 0; i < 50 && rollups.data.reduce((n, r) => n + r.request_count, 0) < 2; i++) {
      await new Promise((r) => setTimeout(r, 100))
      rollups = RollupsSchema.parse((await api('GET', `/users/${member.id}/rollups?period=day&from=${today}&to=${today}`)).body)
    }
    expect(rollups.data.filter((r) => r.service_type === 'chat').reduce((n, r) => n + r.request_count, 0)).toBe(2)
    expect((await api('GET', `/users/${member.id}/rollups?period=month`)).body.period).toBe('month')

    const released = await api('POST', `/users/${member.id}/holds/release`)
    expect(released.body).toEqual({ released: 0 })
    expect((await auditOf(member.id)).map((r) => [r.actor, r.action])).toEqual([[`admin_key:${adminPrefix}`, 'user.release_holds']])
  })
})

describe('hostile requests get a precise 4xx', () => {
  const cases: [string, string, string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number, RegExp][] = [
    ['oversized', 'POST', '/users', { raw: JSON.stringify({ email: 'x@example.test', pad: 'x'.repeat(20_000) }) }, 413, /exceeds 16 KiB/],
    ['not JSON', 'POST', '/users', { raw: '{"email":' }, 400, /not valid JSON/],
    ['wrong content type', 'POST', '/users', { raw: '{}', headers: { 'content-type': 'text/plain' } }, 415, /application\/json/],
    ['an array', 'POST', '/users', { body: [{ email: 'x@example.test' }] }, 400, /must be a JSON object/],
    ['deep nesting', 'PATCH', '/users/REF', { raw: `${'{"a":'.repeat(100)}1${'}'.repeat(100)}` }, 400, /nests deeper/],
    ['a wrong type', 'POST', '/users', { body: { email: ['x@example.test'] } }, 400, /^email: must be a string$/],
    ['a bad email', 'POST', '/users', { body: { email: 'not an email' } }, 400, /^email: not a valid email address$/],
    ['a control character', 'POST', '/users', { body: { external_id: 'a\u0000b' } }, 400, /control characters/],
    ['an unknown field', 'POST', '/users', { body: { email: 'x@example.test', role: 'admin' } }, 400, /^unknown field role$/],
    ['an unknown service', 'PATCH', '/users/REF', { body: { limits: { telepathy: 1 } } }, 400, /unknown service telepathy/],
    ['a float budget', 'PATCH', '/users/REF', { body: { budget: 0.1 } }, 400, /decimal string/],
    ['a huge limit', 'PATCH', '/users/REF', { body: { limits: { chat: 1e12 } } }, 400, /at most 999999999/],
    ['an empty change', 'PATCH', '/users/REF', { body: {} }, 400, /give at least one/],
    ['a long key name', 'POST', '/users/REF/keys', { body: { name: 'k'.repeat(101) } }, 400, /at most 100 characters/],
    ['a bad cursor', 'GET', '/users/REF/usage?cursor=nope', {}, 400, /not a cursor/],
    ['an unknown query parameter', 'GET', '/users/REF/usage?sort=cost', {}, 400, /unknown query parameter sort/],
    ['a bad date', 'GET', '/users/REF/usage?from=2024-13-45', {}, 400, /^from: /],
    ['a bad period', 'GET', '/users/REF/rollups?period=hour', {}, 400, /must be day, week or month/],
    ['year 0', 'GET', '/users/REF/rollups?from=0000-01-01', {}, 400, /real date/],
    ['no such user', 'GET', '/users/nobody@example.test', {}, 404, /No user with the email/],
    ['no user form', 'GET', '/users/just-a-name', {}, 404, /No such user/],
    ['a bad key id', 'DELETE', '/users/REF/keys/not-a-uuid', {}, 404, /no such active key/],
    ['bad percent-encoding', 'GET', '/users/%ZZ', {}, 400, /percent-encoding/],
  ]

  it.each(cases)('%s', async (_name, method, path, options, status, message) => {
    const answer = await api(method, path.replace('REF', member.id), options)
    expect(answer.status, JSON.stringify(answer.body)).toBe(status)
    expect(answer.body.error.message).toMatch(message)
  })
})

describe('fuzzed bodies and queries', () => {
  // Deterministic: a failure names a body that can be replayed.
  let seed = 17
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]
  const scalars = [null, true, 0, -1, 1.5, 1e308, -0, '', 'x', '0', '1e3', '\u0000', '💥'.repeat(50), 'pro', 'chat', 'hard', '12.50', 'a@b.co', 'ext:x', '9'.repeat(40)]
  const fields = ['plan', 'limits', 'budget', 'enforcement', 'rates', 'email', 'external_id', 'name', 'chat', 'embedding', 'requests_per_minute', 'tokens_per_minute', '__proto__', 'constructor']
  function value(depth: number): unknown {
    const roll = rand()
    if (depth > 3 || roll < 0.5) return pick(scalars)
    if (roll < 0.65) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1))
    return Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [pick(fields), value(depth + 1)]))
  }

  it('never answers 5xx to 300 random bodies and queries', async () => {
    const target = (await api('POST', '/users', { body: { external_id: `fuzz-${randomUUID()}` } })).body.user.id
    const statuses: number[] = []
    for (let i = 0; i < 300; i++) {
      const [method, path] = pick([['PATCH', `/users/${target}`], ['POST', '/users'], ['POST', `/users/${target}/keys`]] as const)
      const body = value(0)
      const answer = await api(method, path, { raw: JSON.stringify(body) })
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500)
      statuses.push(answer.status)
      const query = Object.entries({ [pick(['limit', 'cursor', 'service', 'from', 'to', 'period', 'x'])]: String(pick(scalars)) })
      const read = await api('GET', `/users/${target}/${pick(['usage', 'rollups'])}?${new URLSearchParams(query)}`)
      expect(read.status, JSON.stringify(query)).toBeLessThan(500)
    }
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(100)
  })
})
