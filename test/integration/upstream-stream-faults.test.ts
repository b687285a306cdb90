// Upstream faults on streamed chat, against the real server. A fault before the first byte is
// answered like a plain call (an HTTP error in OpenAI's shape); a fault after the stream began
// ends it with one SSE error event `{ error: { message, type, code, param } }` and no [DONE],
// and the row charges only what was delivered: the prompt and the tokens streamed until then.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CUT_REPLY, FAKE_REPLY, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { gpt4oPico } from '@/test/golden'
import { createGatewayUser, type GatewayUser, type UsageRow } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { CRASH_LOG, expectHealthy, expectNothingCharged, expectOpenAIError, pico, settled, sseData, type Settlement } from '@/test/upstream-faults'

let upstream: FakeOpenAI
let server: NextServer
let probe: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'upstream-faults-secret-at-least-32-chars',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    UPSTREAM_TIMEOUT_MS: '1000',
  })
  probe = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const request = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user' as const, content }], stream: true as const })

/** Streams through the SDK; returns what arrived and what the iteration threw. */
async function streamWithSdk(u: GatewayUser, content: string) {
  const { data: stream, response } = await u.client.chat.completions.create(request(content)).withResponse()
  let received = ''
  try {
    for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? ''
    return { received, thrown: undefined, requestId: response.headers.get('x-request-id')! }
  } catch (thrown) {
    return { received, thrown, requestId: response.headers.get('x-request-id')! }
  }
}

/** A stream cut after CUT_REPLY: one error row charging the prompt and exactly the streamed tokens. */
function expectChargedForDelivered(s: Settlement, requestIds: string[], code: string) {
  expect(s.rows.map((r) => r.request_id).sort()).toEqual([...requestIds].sort())
  for (const row of s.rows as (UsageRow & { input_tokens: number; output_tokens: number })[]) {
    expect(row).toMatchObject({ status: 'error', error_code: code, output_tokens: countTokens(CUT_REPLY.join('')), cost_status: 'estimated', metadata: expect.objectContaining({ usage_source: 'counted' }) })
    expect(row.input_tokens).toBeGreaterThan(0)
    // The prompt and the 2 streamed tokens at PRICES.md's gpt-4o rates ($2.50/M in, $10/M out).
    expect(pico(row.total_cost)).toBe(gpt4oPico(row.input_tokens, 2))
    // Less than the whole answer (7 tokens) would have cost: the undelivered tokens are not charged.
    expect(pico(row.total_cost)).toBeLessThan(gpt4oPico(row.input_tokens, 7))
  }
  expect(s.holds).toBe(0)
  // A broken answer does not use up a chat message, but what it consumed is spent.
  expect(s.chatMessagesUsed).toBe(0)
  expect(s.periodCost).toBe(s.rowsCost)
  expect(pico(s.periodCost)).toBe(s.rows.reduce((sum, r) => sum + pico(r.total_cost), 0n))
}

type Cut = { name: string; marker: string; code: string; message: RegExp }

const CUTS: Cut[] = [
  { name: 'an upstream error event', marker: '[fault:stream-error]', code: 'upstream_error', message: /^Upstream failed: The model crashed mid-stream$/ },
  { name: 'a malformed event', marker: '[fault:malformed]', code: 'upstream_error', message: /^Upstream failed: the upstream sent a malformed stream event$/ },
  { name: 'a connection reset', marker: '[fault:reset]', code: 'upstream_error', message: /^Upstream failed: the upstream connection broke mid-stream$/ },
  { name: 'a clean end before the answer finished', marker: '[fault:truncate]', code: 'upstream_error', message: /^Upstream failed: the upstream stream ended before the answer was complete$/ },
  { name: 'silence past the timeout', marker: '[fault:stall]', code: 'upstream_timeout', message: /^Upstream timed out: openai did not answer in time$/ },
]

describe.each(CUTS)('a stream cut halfway by $name', (cut) => {
  it('ends with an SSE error event the SDK throws, and charges only the delivered tokens', async () => {
    const u = await createGatewayUser(server.url)
    const { received, thrown, requestId } = await streamWithSdk(u, `tell me ${cut.marker}`)
    expect(received).toBe(CUT_REPLY.join(''))
    expectOpenAIError(thrown, { code: cut.code, type: 'upstream_error', message: cut.message })
    expectChargedForDelivered(await settled(db(), u.id, 1), [requestId], cut.code)
    await expectHealthy(server.url, probe)
  })

  it('sends the delivered chunks, then exactly one error frame and no [DONE]', async () => {
    const u = await createGatewayUser(server.url)
    const response = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(request(`raw ${cut.marker}`)),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const frames = await sseData(response)
    expect(frames).not.toContain('[DONE]')
    const events = frames.map((f) => JSON.parse(f))
    const last = events.pop()
    expect(Object.keys(last)).toEqual(['error'])
    expect(Object.keys(last.error).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(last.error).toMatchObject({ code: cut.code, type: 'upstream_error', param: null, message: expect.stringMatching(cut.message) })
    expect(events.every((e) => e.object === 'chat.completion.chunk' && !('error' in e))).toBe(true)
    expect(events.map((e) => e.choices[0].delta.content ?? '').join('')).toBe(CUT_REPLY.join(''))
    expectChargedForDelivered(await settled(db(), u.id, 1), [response.headers.get('x-request-id')!], cut.code)
  })

  it('leaves exactly one row per stream when ten are cut at once', async () => {
    const u = await createGatewayUser(server.url)
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => streamWithSdk(u, `parallel ${i} ${cut.marker}`)))
    for (const r of results) {
      expect(r.received).toBe(CUT_REPLY.join(''))
      expectOpenAIError(r.thrown, { code: cut.code, type: 'upstream_error', message: cut.message })
    }
    const ids = results.map((r) => r.requestId)
    expect(new Set(ids).size).toBe(10)
    expectChargedForDelivered(await settled(db(), u.id, 10), ids, cut.code)
    await expectHealthy(server.url, probe)
  })
})

const BEFORE_FIRST_BYTE = [
  { name: 'an upstream slower than the timeout', marker: '[fault:slow]', status: 504, code: 'upstream_timeout', message: /^Upstream timed out/ },
  { name: 'an upstream HTTP 500', marker: '[fault:500]', status: 502, code: 'upstream_error', message: /server had an error/ },
  { name: 'an upstream HTTP 429', marker: '[fault:429]', status: 503, code: 'upstream_rate_limited', message: /^The provider is rate-limiting this gateway; this is not one of your Tollgate limits/ },
]

describe.each(BEFORE_FIRST_BYTE)('a stream refused by $name before its first byte', (fault) => {
  it(`answers ${fault.status} ${fault.code} in OpenAI's shape, one row per call, nothing charged`, async () => {
    const u = await createGatewayUser(server.url)
    const calls = Array.from({ length: 10 }, (_, i) => u.client.chat.completions.create(request(`early ${i} ${fault.marker}`)).then(() => 'streamed', (e: unknown) => e))
    const ids = (await Promise.all(calls)).map((e) => expectOpenAIError(e, { ...fault, type: 'upstream_error' }).requestID!)
    expectNothingCharged(await settled(db(), u.id, 10), ids, fault.code)
    await expectHealthy(server.url, probe)
  })
})

describe('a stream that never sends usage', () => {
  it('is delivered whole, counted with the tokenizer, and charged exactly what the row says', async () => {
    const u = await createGatewayUser(server.url)
    const { received, thrown, requestId } = await streamWithSdk(u, 'quiet [fault:no-usage]')
    expect(thrown).toBeUndefined()
    expect(received).toBe(FAKE_REPLY.join(''))
    const s = await settled(db(), u.id, 1)
    const [row] = s.rows
    expect(row).toMatchObject({ request_id: requestId, status: 'success', error_code: null, output_tokens: countTokens(FAKE_REPLY.join('')), metadata: expect.objectContaining({ usage_source: 'counted' }) })
    // The counted prompt and the whole reply (7 tokens) at PRICES.md's gpt-4o rates ($2.50/M in, $10/M out).
    expect(row.output_tokens).toBe(7)
    expect(pico(row.total_cost as string)).toBe(gpt4oPico(row.input_tokens as number, 7))
    expect(s).toMatchObject({ holds: 0, chatMessagesUsed: 1, periodCost: row.total_cost })
  })
})

describe('the server after every fault', () => {
  it('stayed healthy and logged no crash and no secret', async () => {
    await expectHealthy(server.url, probe)
    expect(server.output()).not.toMatch(CRASH_LOG)
    expect(server.output()).not.toContain(upstream.apiKey)
  })
})
