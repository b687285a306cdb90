// Upstream faults on plain (non-streamed) chat, each against the real server: the caller gets
// a clear OpenAI-shaped error, the call leaves exactly one row with the right status, its hold
// is released, nothing is charged for an answer that never came, and the server stays healthy.
// Streams: upstream-stream-faults.test.ts.
//
// An upstream 429 is the PROVIDER rate-limiting the gateway's own key, not the caller's plan:
// the caller gets 503 upstream_rate_limited with the provider's Retry-After (the OpenAI SDK
// retries it after that wait), the row is an `error`, never the user's `rate_limited`.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, RATE_LIMIT_MESSAGE, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { gpt4oPico } from '@/test/golden'
import { createGatewayUser, holdsOf, type GatewayUser } from '@/test/gateway'
import { freePort, startNextServer, type NextServer } from '@/test/next-server'
import { CRASH_LOG, expectHealthy, expectNothingCharged, expectOpenAIError, pico, settled } from '@/test/upstream-faults'

let upstream: FakeOpenAI
let server: NextServer
/** A server whose OPENAI_BASE_URL is a port nothing listens on. */
let refusing: NextServer
let probe: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  const env = { DATABASE_URL: db(), AUTH_SECRET: 'upstream-faults-secret-at-least-32-chars', OPENAI_API_KEY: upstream.apiKey, UPSTREAM_TIMEOUT_MS: '1000' }
  ;[server, refusing] = await Promise.all([
    startNextServer({ ...env, OPENAI_BASE_URL: upstream.url }),
    startNextServer({ ...env, OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` }),
  ])
  probe = await createGatewayUser(server.url)
})

afterAll(async () => {
  await Promise.all([server?.stop(), refusing?.stop()])
  await upstream?.close()
})

type Fault = { name: string; marker: string; status: number; code: string; type: string; message: RegExp; refused?: boolean }

const FAULTS: Fault[] = [
  { name: 'an upstream slower than the timeout', marker: '[fault:slow]', status: 504, code: 'upstream_timeout', type: 'upstream_error', message: /^Upstream timed out: openai did not answer in time$/ },
  { name: 'an upstream that stalls after its headers', marker: '[fault:stall]', status: 504, code: 'upstream_timeout', type: 'upstream_error', message: /^Upstream timed out/ },
  { name: 'a refused connection', marker: 'hello', refused: true, status: 502, code: 'upstream_error', type: 'upstream_error', message: /^Upstream failed: openai is unreachable$/ },
  { name: 'a connection reset before the answer', marker: '[fault:reset]', status: 502, code: 'upstream_error', type: 'upstream_error', message: /^Upstream failed: openai is unreachable$/ },
  { name: 'an upstream HTTP 500', marker: '[fault:500]', status: 502, code: 'upstream_error', type: 'upstream_error', message: /server had an error/ },
  { name: 'an upstream HTTP 429', marker: '[fault:429]', status: 503, code: 'upstream_rate_limited', type: 'upstream_error', message: /^The provider is rate-limiting this gateway; this is not one of your Tollgate limits\. Retry in 7 s\.$/ },
  { name: 'malformed upstream JSON', marker: '[fault:malformed]', status: 502, code: 'upstream_error', type: 'upstream_error', message: /malformed JSON/ },
]

const ask = (u: GatewayUser, content: string) => u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })

/** A user on the server the fault needs, with the official SDK pointed at it. */
async function userFor(fault: Fault) {
  return createGatewayUser((fault.refused ? refusing : server).url)
}

describe.each(FAULTS)('$name', (fault) => {
  it(`answers ${fault.status} ${fault.code}, records one error row, releases the hold and charges nothing`, async () => {
    const u = await userFor(fault)
    const content = `plain ${u.id} ${fault.marker}`
    const pending = ask(u, content).catch((e: unknown) => e)
    if (fault.marker === '[fault:slow]') {
      // Once the upstream has the call (and for the second until the timeout), the call holds
      // its admission: what the settlement must give back.
      await expect.poll(() => upstream.calls.some((c) => JSON.stringify(c.body).includes(content)), { timeout: 10_000, interval: 20 }).toBe(true)
      expect(await holdsOf(db(), u.id)).toBe(1)
    }
    const error = expectOpenAIError(await pending, fault)
    if (fault.code !== 'upstream_rate_limited') expect(error.headers?.get('retry-after')).toBeNull()
    expectNothingCharged(await settled(db(), u.id, 1), [error.requestID!], fault.code)
    await expectHealthy(server.url, probe)
    // The refusing server has no upstream to succeed against: its health and a read must still work.
    if (fault.refused) {
      expect((await fetch(`${refusing.url}/api/health`)).status).toBe(200)
      expect((await u.client.models.list()).data.length).toBeGreaterThan(0)
    }
  })

  it('leaves exactly one row per call when ten fail at once', async () => {
    const u = await userFor(fault)
    const errors = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(u, `parallel ${i} ${fault.marker}`).catch((e: unknown) => e)))
    const ids = errors.map((e) => expectOpenAIError(e, fault).requestID!)
    expect(new Set(ids).size).toBe(10)
    expectNothingCharged(await settled(db(), u.id, 10), ids, fault.code)
    await expectHealthy(server.url, probe)
  })
})

describe('an upstream HTTP 429 is the provider\'s limit, not the caller\'s', () => {
  it('passes the provider\'s Retry-After, keeps Tollgate\'s own rate headers, and hides the provider\'s message', async () => {
    const u = await createGatewayUser(server.url)
    const error = expectOpenAIError(await ask(u, '[fault:429]').catch((e: unknown) => e), FAULTS.find((f) => f.marker === '[fault:429]')!)
    expect(error.headers?.get('retry-after')).toBe('7')
    // A short wait the SDK may sleep through before it retries.
    expect(error.headers?.get('x-should-retry')).toBeNull()
    // The x-ratelimit-* headers describe the caller's Tollgate rate (Demo: 600/min), not the provider's 3.
    expect(error.headers?.get('x-ratelimit-limit-requests')).toBe('600')
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('599')
    // The provider's message names the operator's organization: it stays in the server log.
    expect(error.message).not.toContain('org-fAk3OrgId')
    expect(error.error).not.toHaveProperty('limit_name')
    const s = await settled(db(), u.id, 1)
    expect(s.rows[0]).toMatchObject({ status: 'error', error_code: 'upstream_rate_limited' })
    expect(JSON.stringify(s.rows[0].response_payload)).not.toContain('org-fAk3OrgId')
    expect(server.output()).toContain(RATE_LIMIT_MESSAGE)
  })

  it('tells the SDK not to retry when the provider asks for more than a minute', async () => {
    const u = await createGatewayUser(server.url)
    // The SDK's default retries: it would sleep an hour before each, unless told not to.
    const client = u.client.withOptions({ maxRetries: 2 })
    const before = upstream.calls.length
    const started = Date.now()
    const error = expectOpenAIError(await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: '[fault:429:3600]' }] }).catch((e: unknown) => e), {
      status: 503,
      code: 'upstream_rate_limited',
      type: 'upstream_error',
      message: /Retry in 3600 s\.$/,
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(error.headers?.get('x-should-retry')).toBe('false')
    expect(upstream.calls.length - before).toBe(1)
    expectNothingCharged(await settled(db(), u.id, 1), [error.requestID!], 'upstream_rate_limited')
  })
})

describe('an upstream answer without usage', () => {
  it('is delivered, counted with the tokenizer, and charged exactly what the row says', async () => {
    const u = await createGatewayUser(server.url)
    const { data, response } = await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'quiet [fault:no-usage]' }] }).withResponse()
    expect(data.choices[0].message.content).toBe(FAKE_REPLY.join(''))
    const s = await settled(db(), u.id, 1)
    const [row] = s.rows
    expect(row).toMatchObject({ request_id: response.headers.get('x-request-id'), status: 'success', error_code: null, output_tokens: countTokens(FAKE_REPLY.join('')), metadata: expect.objectContaining({ usage_source: 'counted' }) })
    expect(row.input_tokens).toBeGreaterThan(0)
    // The counted prompt and the whole reply (7 tokens) at PRICES.md's gpt-4o rates ($2.50/M in, $10/M out).
    expect(row.output_tokens).toBe(7)
    expect(pico(row.total_cost as string)).toBe(gpt4oPico(row.input_tokens as number, 7))
    expect(s).toMatchObject({ holds: 0, chatMessagesUsed: 1, periodCost: row.total_cost, rowsCost: row.total_cost })
  })
})

describe('the servers after every fault', () => {
  it('stayed healthy and logged no crash and no secret', async () => {
    for (const s of [server, refusing]) {
      expect((await fetch(`${s.url}/api/health`)).status).toBe(200)
      expect(s.output()).not.toMatch(CRASH_LOG)
      expect(s.output()).not.toContain(upstream.apiKey)
    }
  })
})
