// The API keys endpoints and the caller's usage API (summary, history, rollups) on the real
// server, with calls made through the simulator (no vendor keys configured).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trimDecimalZeros } from '@/lib/text'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'gateway-test-secret-at-least-32-characters' })
})
afterAll(() => server?.stop())

const get = (u: GatewayUser, path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${u.key}` } })

describe('API keys', () => {
  it('shows a key once, lists it by prefix, stamps its last use, and revokes it', async () => {
    const u = await createGatewayUser(server.url)
    const created = await fetch(`${server.url}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: u.cookie }, body: JSON.stringify({ name: 'ci' }) })
    expect(created.status).toBe(201)
    const key = await created.json()
    expect(key).toMatchObject({ name: 'ci', prefix: key.key.slice(0, 12), last_used_at: null })
    expect(key.key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/)

    const listed = (await (await fetch(`${server.url}/api/keys`, { headers: { cookie: u.cookie } })).json()).data
    expect(listed.map((k: { name: string }) => k.name).sort()).toEqual(['ci', 'tests'])
    expect(JSON.stringify(listed)).not.toContain(key.key)

    await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${key.key}` } })
    const after = (await (await fetch(`${server.url}/api/keys`, { headers: { cookie: u.cookie } })).json()).data.find((k: { id: string }) => k.id === key.id)
    expect(Date.parse(after.last_used_at)).toBeGreaterThan(Date.now() - 60_000)

    expect((await fetch(`${server.url}/api/keys/${key.id}`, { method: 'DELETE', headers: { cookie: u.cookie } })).status).toBe(204)
    expect((await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${key.key}` } })).status).toBe(401)
  })

  it('answers 404 for another user\'s key or a key that does not exist, 400 for a bad name, 401 signed out', async () => {
    const [a, b] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
    const [aKey] = (await (await fetch(`${server.url}/api/keys`, { headers: { cookie: a.cookie } })).json()).data
    expect((await fetch(`${server.url}/api/keys/${aKey.id}`, { method: 'DELETE', headers: { cookie: b.cookie } })).status).toBe(404)
    expect((await fetch(`${server.url}/api/keys/not-a-uuid`, { method: 'DELETE', headers: { cookie: b.cookie } })).status).toBe(404)
    const bad = await fetch(`${server.url}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: a.cookie }, body: JSON.stringify({ name: '' }) })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { message: 'name: is required', type: 'invalid_request_error', code: 'invalid_request', param: 'name' } })
    const signedOut = await fetch(`${server.url}/api/keys`)
    expect(signedOut.status).toBe(401)
    expect(await signedOut.json()).toEqual({ error: { message: 'Sign in to manage API keys', type: 'authentication_error', code: 'unauthorized', param: null } })
    const missing = await fetch(`${server.url}/api/keys/not-a-uuid`, { method: 'DELETE', headers: { cookie: b.cookie } })
    expect(await missing.json()).toEqual({ error: { message: 'No such API key', type: 'invalid_request_error', code: 'not_found', param: null } })
    // a's key still works: b's attempt changed nothing
    expect((await get(a, '/api/v1/usage')).status).toBe(200)
  })

  it('refuses every kind of bad body with its precise 4xx, in the one error shape', async () => {
    const u = await createGatewayUser(server.url)
    const create = (body: string, type = 'application/json') => fetch(`${server.url}/api/keys`, { method: 'POST', headers: { 'content-type': type, cookie: u.cookie }, body })
    for (const [body, type, status, code, message] of [
      ['name=x', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type', /^Content-Type must be application\/json$/],
      ['{"name":', 'application/json', 400, 'invalid_request', /^Request body is not valid JSON: /],
      ['["ci"]', 'application/json', 400, 'invalid_request', /^Request body must be a JSON object$/],
      [`${'['.repeat(100)}${']'.repeat(100)}`, 'application/json', 400, 'invalid_request', /^Request body must be a JSON object$/],
      [`{"name":"ci","x":${'['.repeat(100)}${']'.repeat(100)}}`, 'application/json', 400, 'invalid_request', /^Request body nests deeper than 64 levels$/],
      [JSON.stringify({ name: 'x'.repeat(17 * 1024) }), 'application/json', 413, 'payload_too_large', /^Request body exceeds 16 KiB$/],
    ] as const) {
      const response = await create(body, type)
      expect(response.status, body.slice(0, 40)).toBe(status)
      expect(await response.json(), body.slice(0, 40)).toEqual({ error: { message: expect.stringMatching(message), type: 'invalid_request_error', code, param: null } })
    }
    // Nothing was created by any of them.
    expect((await (await fetch(`${server.url}/api/keys`, { headers: { cookie: u.cookie } })).json()).data).toHaveLength(1)
  })
})

describe('usage export', () => {
  it('exports with the session or an API key, and refuses a bad filter or no credentials in the one shape', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'exported' }] })
    const [row] = await usageRows(db(), u.id, 1)
    for (const headers of [{ cookie: u.cookie }, { authorization: `Bearer ${u.key}` }] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/api/usage/export?service=chat`, { headers })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(await response.text()).toContain(row.request_id)
    }
    const bad = await fetch(`${server.url}/api/usage/export?service=telepathy`, { headers: { authorization: `Bearer ${u.key}` } })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { message: expect.stringMatching(/^service: must be one of/), type: 'invalid_request_error', code: 'invalid_request', param: 'service' } })
    const anonymous = await fetch(`${server.url}/api/usage/export`)
    expect(anonymous.status).toBe(401)
    expect((await anonymous.json()).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', param: null })
  })
})

describe('usage API', () => {
  it('summarises plan, use against limits and costs, from the same rows the calls wrote', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one' }] })
    await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'two' }] })
    await u.client.images.generate({ model: 'dall-e-3', prompt: 'three', quality: 'hd' })
    const rows = await usageRows(db(), u.id, 3)
    const summary = await (await get(u, '/api/v1/usage')).json()
    expect(summary).toMatchObject({
      object: 'usage.summary',
      plan: { type: 'demo', name: 'Demo Plan - Unlimited Access', enforcement_mode: 'off' },
      services: { chat: { used: 2, limit: 999999, unlimited: true }, image: { used: 1 }, content: { used: 0 }, video: { used: 0 } },
      calls: { lifetime: 3 },
    })
    const exact = rows.reduce((sum, r) => sum + BigInt(String(r.total_cost).replace('.', '')), 0n)
    const asString = (n: bigint) => { const s = n.toString().padStart(13, '0'); return trimDecimalZeros(`${s.slice(0, -12)}.${s.slice(-12)}`) }
    expect(summary.cost).toEqual({ currency: 'USD', period: asString(exact), month: asString(exact), month_start: new Date().toISOString().slice(0, 8) + '01', lifetime: asString(exact), unpriced_calls: 0, budget: null })
  })

  it('pages the history newest first with a cursor, filtered by service, without repeats or gaps', async () => {
    const u = await createGatewayUser(server.url)
    for (let i = 0; i < 5; i++) await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `m${i}` }] })
    await u.client.images.generate({ model: 'dall-e-2', prompt: 'img' })
    await usageRows(db(), u.id, 6)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { data: { request_id: string; service_type: string; total_cost: string }[]; next_cursor: string | null } = await (
        await get(u, `/api/v1/usage/history?limit=2&service=chat${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()
      expect(page.data.length).toBeLessThanOrEqual(2)
      for (const row of page.data) {
        expect(row.service_type).toBe('chat')
        expect(row.total_cost).toMatch(/^\d+(\.\d+)?$/)
        seen.push(row.request_id)
      }
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    const rows = await usageRows(db(), u.id, 6)
    expect(seen).toEqual(rows.filter((r) => r.service_type === 'chat').map((r) => r.request_id).reverse())
  })

  it('refuses bad history and rollup queries with 400', async () => {
    const u = await createGatewayUser(server.url)
    for (const [path, message] of [
      ['/api/v1/usage/history?limit=0', /^limit: must be between 1 and 100/],
      ['/api/v1/usage/history?service=telepathy', /^service: must be one of/],
      ['/api/v1/usage/history?cursor=garbage', /^cursor:/],
      ['/api/v1/usage/aggregations?period=year', /^period: must be day, week or month/],
      ['/api/v1/usage/aggregations?from=2026-13-45', /^from: must be a real date/],
      ['/api/v1/usage/aggregations?from=2026-02-01&to=2026-01-01', /^from: from must not be after to/],
    ] as const) {
      const response = await get(u, path)
      expect(response.status, path).toBe(400)
      const { error } = await response.json()
      expect(error.message, path).toMatch(message)
      expect(error, path).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: path.split('?')[1].split('=')[0] })
    }
  })

  it('returns day, week and month rollups that add up to the rows', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] })
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }] })
    const rows = await usageRows(db(), u.id, 2)
    for (const period of ['day', 'week', 'month']) {
      const { data } = await (await get(u, `/api/v1/usage/aggregations?period=${period}&from=${new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10)}`)).json()
      expect(data).toHaveLength(1)
      expect(data[0]).toMatchObject({ period_type: period, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', request_count: 2, success_count: 2 })
      expect(data[0].input_tokens).toBe(rows.reduce((s, r) => s + Number(r.input_tokens), 0))
    }
  })

  it('lists models with who serves them and their prices', async () => {
    const u = await createGatewayUser(server.url)
    const models = await u.client.models.list()
    const ids = models.data.map((m) => m.id)
    for (const id of ['gpt-5', 'gpt-4o', 'o3', 'dall-e-3', 'gpt-image-1', 'flux-pro-1.1', 'stable-image-ultra', 'ideogram-v3', 'gen4_turbo', 'ray-2']) expect(ids).toContain(id)
    expect(models.data.find((m) => m.id === 'gpt-5')).toMatchObject({ served_by: 'simulator', pricing: { rates: { input_mtok: '1.25', output_mtok: '10' } } })
  })

  it('retrieves one model as the list shows it, ids with slashes too, and answers an unknown one 404 model_not_found', async () => {
    const u = await createGatewayUser(server.url)
    const listed = (await u.client.models.list()).data.find((m) => m.id === 'gpt-4o')
    const model = await u.client.models.retrieve('gpt-4o')
    expect(model).toEqual(listed)
    expect(model).toMatchObject({ id: 'gpt-4o', object: 'model', created: 0, owned_by: 'openai', served_by: 'simulator' })
    // The SDK escapes the slash (openai%2Fgpt-4o); a plain client does not: both are found.
    expect(await u.client.models.retrieve('openai/gpt-4o')).toEqual({ ...listed, id: 'openai/gpt-4o' })
    const plain = await get(u, '/api/v1/models/openrouter/anthropic/claude-sonnet-4.5')
    expect(plain.status).toBe(200)
    expect(await plain.json()).toMatchObject({ id: 'openrouter/anthropic/claude-sonnet-4.5', object: 'model', provider: 'openrouter', served_by: 'simulator' })

    const missing = await u.client.models.retrieve('no-such-model').catch((e: unknown) => e)
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error', param: 'model' })
    expect((missing as Error).message).toMatch(/no-such-model/)
    const anonymous = await fetch(`${server.url}/api/v1/models/gpt-4o`)
    expect(anonymous.status).toBe(401)
    expect((await anonymous.json()).error).toMatchObject({ code: 'invalid_api_key' })
  })
})
