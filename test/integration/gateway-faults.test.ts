// Bad input and upstream faults: a precise 4xx, 502 or 504 in OpenAI's error shape, never a
// 500, no upstream call for bad input, and exactly one usage row for every authenticated call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { withClient } from '@/test/databases'
import { createGatewayUser, holdsOf, usageRows, type GatewayUser } from '@/test/gateway'
import { freePort, startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  const closedPort = await freePort() // nothing listens here: "connection refused"
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    LUMA_API_KEY: 'luma-key',
    LUMA_BASE_URL: `http://127.0.0.1:${closedPort}`,
    UPSTREAM_TIMEOUT_MS: '1500',
  })
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

function post(path: string, body: string | object, headers: Record<string, string> = {}, key = user.key) {
  return fetch(`${server.url}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  expect(response.status).toBe(status)
  const body = await response.json()
  // OpenAI's shape exactly: these four fields, param null when no field is to blame.
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String), code })
  if (message) expect(body.error.message).toMatch(message)
  expect(response.headers.get('x-request-id')).toMatch(/^req_/)
  return body.error
}

describe('bad input gets a precise 400 and no upstream call', () => {
  const cases: [string, string | object, Record<string, string>, number, string, RegExp, string?][] = [
    ['malformed JSON', '{"model": "gpt-4o", "messages": [', {}, 400, 'invalid_request', /not valid JSON/],
    ['a JSON array', '[1, 2]', {}, 400, 'invalid_request', /must be a JSON object/],
    ['a missing model', { messages: [{ role: 'user', content: 'x' }] }, {}, 400, 'invalid_request', /^model: is required/, 'model'],
    ['messages of the wrong type', { model: 'gpt-4o', messages: 'hello' }, {}, 400, 'invalid_request', /^messages: must be an array/, 'messages'],
    ['an unknown role', { model: 'gpt-4o', messages: [{ role: 'wizard', content: 'x' }] }, {}, 400, 'invalid_request', /^messages\.0\.role: must be one of/, 'messages.0.role'],
    ['a negative max_tokens', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], max_tokens: -5 }, {}, 400, 'invalid_request', /^max_tokens:/, 'max_tokens'],
    ['an unknown model', { model: 'gpt-99-ultra', messages: [{ role: 'user', content: 'x' }] }, {}, 404, 'model_not_found', /gpt-99-ultra/, 'model'],
    ['an option Tollgate cannot price', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], service_tier: 'priority' }, {}, 400, 'invalid_request', /^service_tier: is not supported/, 'service_tier'],
    ['an assistant turn without content', { model: 'gpt-4o', messages: [{ role: 'assistant', tool_calls: [] }, { role: 'wizard' }] }, {}, 400, 'invalid_request', /^messages\.1\.role/, 'messages.1.role'],
    ['a form body', 'model=gpt-4o', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type', /application\/json/],
  ]

  it.each(cases)('refuses %s', async (_name, body, headers, status, code, message, param) => {
    const before = upstream.calls.length
    const error = await expectError(await post('/chat/completions', body, headers), status, code, message)
    if (param) expect(error.param).toBe(param)
    expect(upstream.calls.length).toBe(before)
  })

  it('refuses a body over 1 MiB with 413', async () => {
    const huge = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 10) }] })
    await expectError(await post('/chat/completions', huge), 413, 'payload_too_large', /1 MiB/)
  })

  it('refuses bad image and video requests the same way', async () => {
    await expectError(await post('/images/generations', { model: 'dall-e-3', prompt: '', n: 1 }), 400, 'invalid_request', /^prompt: is required/)
    await expectError(await post('/images/generations', { model: 'dall-e-3', prompt: 'x', n: 20 }), 400, 'invalid_request', /^n: must be between 1 and 10/)
    await expectError(await post('/videos/generations', { model: 'gen4_turbo', prompt: 'x', seconds: 'ten' }), 400, 'invalid_request', /^seconds:/)
    await expectError(await post('/videos/generations', { model: 'no-such-video', prompt: 'x' }), 404, 'model_not_found')
  })
})

describe('upstream faults', () => {
  const chat = (content: string) => post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content }] })

  it('passes an upstream 4xx through as the caller\'s fault, with the vendor\'s message', async () => {
    await expectError(await chat('[fault:400]'), 400, 'upstream_rejected', /Invalid value for 'temperature'/)
  })

  it('answers 502 when the provider refuses the gateway\'s own key, without repeating the provider\'s message', async () => {
    const error = await expectError(await chat('[fault:401]'), 502, 'upstream_error', /refused the gateway's credentials/)
    expect(error.message).not.toContain(upstream.apiKey.slice(-4))
  })

  it('answers 502 for an upstream 5xx', async () => {
    await expectError(await chat('[fault:500]'), 502, 'upstream_error', /server had an error/)
  })

  it('answers 502 for malformed upstream JSON', async () => {
    await expectError(await chat('[fault:malformed]'), 502, 'upstream_error', /malformed JSON/)
  })

  it('answers 502 when the upstream refuses connections', async () => {
    await expectError(await post('/videos/generations', { model: 'ray-2', prompt: 'x', seconds: 5 }), 502, 'upstream_error', /unreachable/)
  })

  it('answers 504 when the upstream is slower than UPSTREAM_TIMEOUT_MS', async () => {
    const started = Date.now()
    await expectError(await chat('[fault:slow]'), 504, 'upstream_timeout')
    expect(Date.now() - started).toBeLessThan(2_900)
  })

  it('answers 504 for a stream that goes silent', async () => {
    const response = await post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: '[fault:slow]' }], stream: true })
    expect(response.status).toBe(504)
  })
})

describe('identity', () => {
  it.each([
    ['no credentials', undefined],
    ['a malformed key', 'Bearer not-a-key'],
    ['an unknown key', `Bearer tg_${'A'.repeat(43)}`],
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
  ])('refuses %s with 401, recording nothing', async (_name, authorization) => {
    const u = await createGatewayUser(server.url)
    const response = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    })
    expect(response.status).toBe(401)
    expect((await response.json()).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' })
    expect(await usageRows(db(), u.id, 1, 200)).toEqual([])
  })

  it('refuses a key revoked a moment after it was used (and cached), recording nothing more', async () => {
    const u = await createGatewayUser(server.url)
    // A successful call first: this server now remembers which user the key belongs to.
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
    const [key] = (await (await fetch(`${server.url}/api/keys`, { headers: { cookie: u.cookie } })).json()).data
    expect((await fetch(`${server.url}/api/keys/${key.id}`, { method: 'DELETE', headers: { cookie: u.cookie } })).status).toBe(204)
    // Refused at admission …
    await expect(u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 })
    // … and before it, when the request fails validation first.
    expect((await post('/chat/completions', { model: 'gpt-4o', messages: 'not a list' }, {}, u.key)).status).toBe(401)
    await expect(u.client.models.list()).rejects.toMatchObject({ status: 401 })
    const rows = await usageRows(db(), u.id, 2, 500)
    expect(rows.map((r) => r.status)).toEqual(['success'])
    expect(await holdsOf(db(), u.id)).toBe(0)
  })
})

describe('every authenticated call leaves exactly one row', () => {
  it('for successes, bad input and faults alike, and the server never answered 500', async () => {
    const u = await createGatewayUser(server.url)
    const bodies = [
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'fine' }] },
      { model: 'gpt-4o', messages: [{ role: 'user', content: '[fault:500]' }] },
      { model: 'gpt-4o', messages: [{ role: 'user', content: '[fault:400]' }] },
      { model: 'gpt-4o', messages: [] },
      '{broken',
      { model: 'unknown-model', messages: [{ role: 'user', content: 'x' }] },
    ]
    const statuses = await Promise.all(bodies.map(async (b) => (await post('/chat/completions', b, {}, u.key)).status))
    expect(statuses).not.toContain(500)
    const rows = await usageRows(db(), u.id, bodies.length)
    expect(rows).toHaveLength(bodies.length)
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(bodies.length)
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(1)
    for (const row of rows.filter((r) => r.status === 'error')) expect(row.total_cost).toBe('0.000000000000')
  })

  it('answers x-request-id on every answer, and the rate headers on every answer with a user', async () => {
    const u = await createGatewayUser(server.url)
    const bodies = [
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'fine' }] }, // 200
      { model: 'gpt-4o', messages: [{ role: 'user', content: '[fault:500]' }] }, // 502, after admission
      { model: 'gpt-4o', messages: [] }, // 400, refused before admission
      '{broken', // 400, before admission
      { model: 'unknown-model', messages: [{ role: 'user', content: 'x' }] }, // unknown model
    ]
    // Five requests a minute: each of the five calls spends one (refused ones too), the sixth is a 429.
    await withClient(db(), (c) => c.query(`update public.api_rate_limits set requests_per_minute = 5 where user_id = $1 and service_type = 'chat'`, [u.id]))
    const answers = []
    for (const b of bodies) answers.push(await post('/chat/completions', b, {}, u.key))
    answers.push(await post('/chat/completions', bodies[0], {}, u.key))
    expect(answers.map((a) => a.status)).toEqual([200, 502, 400, 400, answers[4].status, 429])
    expect(answers[4].status).toBeGreaterThanOrEqual(400)
    for (const a of answers) {
      expect(a.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('5')
      expect(a.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/)
      expect(a.headers.get('x-ratelimit-reset-requests')).toMatch(/^(?:\d+ms|(?:\d+m)?\d+(?:\.\d{1,3})?s)$/)
      expect(a.headers.get('x-ratelimit-limit-tokens')).toMatch(/^\d+$/)
      expect(a.headers.get('x-ratelimit-remaining-tokens')).toMatch(/^\d+$/)
      expect(a.headers.get('x-ratelimit-reset-tokens')).toMatch(/^(?:\d+ms|(?:\d+m)?\d+(?:\.\d{1,3})?s)$/)
    }
    const ids = answers.map((a) => a.headers.get('x-request-id'))
    const rows = await usageRows(db(), u.id, answers.length)
    expect(new Set(rows.map((r) => r.request_id))).toEqual(new Set(ids))
    // No user: the id alone.
    const unauthenticated = await post('/chat/completions', bodies[0], {}, 'tg_not-a-key')
    expect(unauthenticated.status).toBe(401)
    expect(unauthenticated.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(unauthenticated.headers.get('x-ratelimit-limit-requests')).toBeNull()
  })
})
