// Malformed Anthropic requests, hand-picked and fuzzed, to /api/v1/messages and count_tokens on
// the translated path (the simulator serves): each is invalid, so each answer must be a 4xx in
// Anthropic's error shape with a message, never a 5xx, and nothing may be served.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyJson, edgeNumber, edgeString, jsonText, type JsonValue } from '@/test/hostile'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { withClient } from '@/test/databases'

let server: NextServer
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'anthropic-hostile-secret-at-least-32-characters' })
  user = await createGatewayUser(server.url)
  // Every refused call spends one request of the rate: let them all be judged on their body.
  await withClient(db(), (c) => c.query('update public.api_rate_limits set requests_per_minute = 1000000 where user_id = $1', [user.id]))
})

afterAll(() => server?.stop())

const BASE: Record<string, JsonValue> = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }
const user0 = (content: JsonValue): JsonValue => [{ role: 'user', content }]

/** One field of a valid request broken (undefined: removed). */
const BROKEN: [field: string, value: JsonValue | undefined][] = [
  ['model', undefined], ['model', 5], ['model', ''], ['model', 'fz-no-such-model'], ['model', 'x'.repeat(300)],
  ['max_tokens', undefined], ['max_tokens', 0], ['max_tokens', -1], ['max_tokens', 1.5], ['max_tokens', '10'], ['max_tokens', null],
  ['messages', undefined], ['messages', []], ['messages', 'hi'], ['messages', [null]], ['messages', [{ role: 'system', content: 'x' }]],
  ['messages', user0(5)], ['messages', user0([{}])], ['messages', user0([{ type: 7 }])], ['messages', user0([{ type: 'text' }])],
  ['messages', user0([{ type: 'image', source: { type: 'base64' } }])], ['messages', user0([{ type: 'tool_result' }])],
  ['messages', user0([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image' }] }])], ['messages', user0([{ type: 'document', source: {} }])],
  ['messages', user0([{ type: 'fz-unknown' }])], ['messages', [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use' }] }, { role: 'user', content: 'y' }]],
  ['messages', [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'prefill' }]],
  ['system', 5], ['system', [{ type: 'image' }]], ['system', [{ type: 'text' }]], ['system', [null]],
  ['tools', 'x'], ['tools', [{}]], ['tools', [{ name: '' }]], ['tools', [{ name: 'w', input_schema: 'x' }]], ['tools', [{ name: 'w', type: 'web_search_20250305' }]],
  ['tool_choice', { type: 'x' }], ['tool_choice', 'auto'], ['tool_choice', { type: 'tool' }],
  ['thinking', { type: 'enabled' }], ['thinking', { type: 'x' }], ['thinking', { type: 'enabled', budget_tokens: 5 }],
  ['temperature', 2], ['temperature', 'hot'], ['top_p', -1], ['top_k', 3], ['top_k', 'x'],
  ['stop_sequences', 'END'], ['stop_sequences', [1]], ['metadata', 'x'], ['stream', 'yes'], ['campaign', 'not-a-uuid'],
  ['container', 'c'], ['service_tier', 'auto'], ['mcp_servers', []],
]

/** Fields count_tokens does not read (it has no output, sampling or stream, and books no campaign). */
const COUNT_TAKES_ANY = new Set(['max_tokens', 'temperature', 'top_p', 'stop_sequences', 'stream', 'metadata', 'campaign'])
const FIELDS = ['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'stream']
/** A known field replaced by hostile JSON; a value that happens to be valid is served, and checked as such. */
const fuzzed = fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(anyJson, edgeString, edgeNumber))

async function post(path: string, body: string) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-api-key': user.key, 'content-type': 'application/json' }, body })
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() }
}

function expectAnthropicRefusal(answer: { status: number; type: string; body: string }, what: string) {
  expect(answer.status, `${what} → ${answer.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400)
  expect(answer.status, `${what} → ${answer.body.slice(0, 300)}`).toBeLessThan(500)
  const parsed = JSON.parse(answer.body)
  expect(parsed).toMatchObject({ type: 'error', error: { type: expect.any(String) } })
  expect(parsed.error.message.trim().length, what).toBeGreaterThan(0)
}

describe('hostile requests to the Anthropic Messages API', () => {
  it('refuses each malformed request with an Anthropic-shaped 4xx and a message', async () => {
    for (const [field, value] of BROKEN) {
      const body: Record<string, JsonValue> = { ...BASE }
      if (value === undefined) delete body[field]
      else body[field] = value
      const text = jsonText(body)
      expectAnthropicRefusal(await post('/api/v1/messages', text), text.slice(0, 200))
      if (!COUNT_TAKES_ANY.has(field)) expectAnthropicRefusal(await post('/api/v1/messages/count_tokens', text), `count_tokens ${text.slice(0, 200)}`)
    }
    for (const raw of ['', 'not json', '[]', 'null', '{"model":', jsonText({ ...BASE, messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] })])
      expectAnthropicRefusal(await post('/api/v1/messages', raw), raw.slice(0, 50))
    // Every refusal left its row, none a success.
    const rows = await usageRows(db(), user.id, BROKEN.length)
    expect(rows.filter((r) => r.status === 'success')).toEqual([])
  })

  it('never answers a fuzzed field with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzed, async ([field, value]) => {
        const text = jsonText({ ...BASE, [field]: value })
        const answer = await post('/api/v1/messages', text)
        expect(answer.status, `${text.slice(0, 300)} → ${answer.body.slice(0, 300)}`).toBeLessThan(500)
        if (answer.status >= 400) expectAnthropicRefusal(answer, text.slice(0, 300))
        // A fuzzed value can be valid (stream: true, a temperature): then it is served.
        else if (answer.type.startsWith('text/event-stream')) expect(answer.body).toMatch(/event: message_stop/)
        else expect(JSON.parse(answer.body)).toMatchObject({ type: 'message' })
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 15_2026) },
    )
  })
})
