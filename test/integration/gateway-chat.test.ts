// Chat through the gateway with the official OpenAI SDK, against a fake OpenAI upstream: the
// answers the client sees, and the one usage row each call leaves, field by field.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, TOOL_ARGS, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { canonical, createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { gpt4oPico } from '@/test/golden'
import { pico } from '@/test/upstream-faults'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
  })
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const newUser = () => createGatewayUser(server.url)

describe('POST /api/v1/chat/completions', () => {
  it('forwards a plain completion and records one row priced by the cost engine', async () => {
    const u = await newUser()
    const sent = performance.now()
    const { data, response } = await u.client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi [cached] [reasoning]' }] })
      .withResponse()
    const roundTripMs = performance.now() - sent
    expect(data.choices[0].message.content).toBe(FAKE_REPLY.join(''))
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 })
    const requestId = response.headers.get('x-request-id')
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/)

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({
      request_id: requestId,
      service_type: 'chat',
      provider: 'openai',
      model: 'gpt-4o',
      endpoint: '/api/v1/chat/completions',
      status: 'success',
      error_code: null,
      input_tokens: 1000,
      output_tokens: 500,
      cached_tokens: 800,
      reasoning_tokens: 100,
      cost_status: 'priced',
    })
    // Golden figures from PRICES.md (gpt-4o: $2.50/M input, $1.25/M cached input, $10/M output):
    // input  = 200 uncached × $2.50/M = $0.0005, + 800 cached × $1.25/M = $0.001 → $0.0015
    // output = 500 × $10.00/M = $0.005;  total = $0.0065
    expect(canonical(row.input_cost)).toBe('0.0015')
    expect(canonical(row.output_cost)).toBe('0.005')
    expect(canonical(row.total_cost)).toBe('0.0065')
    expect(row.price_snapshot).toMatchObject({ provider: 'openai', model: 'gpt-4o', rates: { input_mtok: '2.5', cache_read_mtok: '1.25', output_mtok: '10' } })
    // Measured by the server inside the client's round trip, in whole milliseconds.
    expect(Number.isInteger(row.latency_ms)).toBe(true)
    expect(row.latency_ms).toBeGreaterThanOrEqual(0)
    expect(row.latency_ms).toBeLessThanOrEqual(Math.ceil(roundTripMs))
    expect(row.user_agent).toMatch(/OpenAI\/JS/)
    expect(row.request_payload).toMatchObject({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi [cached] [reasoning]' }] })
    expect(JSON.stringify(row.request_payload)).not.toContain(u.key)
    expect(row.metadata).toMatchObject({ auth: 'api_key', usage_source: 'upstream' })
    // The upstream got our key, never the caller's.
    expect(upstream.calls.at(-1)?.authorization).toBe(`Bearer ${upstream.apiKey}`)
  })

  it('streams, always asks the upstream for usage, and hides the usage chunk from a client that did not ask', async () => {
    const u = await newUser()
    const sent = performance.now()
    const stream = await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream' }], stream: true })
    const chunks = []
    let firstContentMs: number | null = null
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) firstContentMs ??= performance.now() - sent
      chunks.push(chunk)
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(FAKE_REPLY.join(''))
    expect(chunks.every((c) => c.choices.length > 0 && !('usage' in c))).toBe(true)
    expect(upstream.calls.at(-1)?.body.stream_options).toEqual({ include_usage: true })

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'success', input_tokens: 1000, output_tokens: 500, cached_tokens: 0 })
    // gpt-4o-mini: 1,000 × $0.15/M = $0.00015, + 500 × $0.60/M = $0.0003 → $0.00045
    expect(canonical(row.total_cost)).toBe('0.00045')
    // The server saw the first token before the client did, and before the stream ended.
    expect(Number.isInteger(row.time_to_first_token_ms)).toBe(true)
    expect(row.time_to_first_token_ms).toBeGreaterThanOrEqual(0)
    expect(row.time_to_first_token_ms).toBeLessThanOrEqual(Math.ceil(firstContentMs!))
    expect(row.time_to_first_token_ms).toBeLessThanOrEqual(row.latency_ms as number)
  })

  it('passes the usage chunk to a client that asked for it (the SDK helper needs it)', async () => {
    const u = await newUser()
    const runner = u.client.chat.completions.stream({ model: 'gpt-5', messages: [{ role: 'user', content: 'helper [reasoning]' }], stream_options: { include_usage: true } })
    const final = await runner.finalChatCompletion()
    expect(final.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, completion_tokens_details: { reasoning_tokens: 100 } })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'success', reasoning_tokens: 100 })
    // gpt-5 (reasoning inside output): 1,000 × $1.25/M = $0.00125, + 500 × $10.00/M = $0.005 → $0.00625
    expect(canonical(row.total_cost)).toBe('0.00625')
  })

  it('counts tokens itself when the upstream reports no usage', async () => {
    const u = await newUser()
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'quiet [fault:no-usage]' }] })
    const stream = await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'quiet stream [fault:no-usage]' }], stream: true })
    for await (const chunk of stream) void chunk
    const rows = await usageRows(db(), u.id, 2)
    for (const row of rows) {
      expect(row.metadata).toMatchObject({ usage_source: 'counted' })
      expect(row.input_tokens).toBeGreaterThan(5)
      expect(row.output_tokens).toBe(countTokens(FAKE_REPLY.join('')))
      // Tollgate's count, priced at the model's rates: an estimate, and the row says so.
      expect(row.cost_status).toBe('estimated')
    }
  })

  it('counts tool definitions in the prompt and a tool-call reply in the output when the upstream reports no usage', async () => {
    const u = await newUser()
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', description: 'The weather now in a city', parameters: { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] } },
      },
    ]
    const messages = [{ role: 'user' as const, content: 'Weather in Paris and Rome? [tool] [fault:no-usage]' }]
    const plain = await u.client.chat.completions.create({ model: 'gpt-4o', messages, tools })
    expect(plain.choices[0].message.tool_calls).toHaveLength(2)
    const stream = await u.client.chat.completions.create({ model: 'gpt-4o', messages, tools, stream: true })
    for await (const chunk of stream) void chunk
    const rows = await usageRows(db(), u.id, 2)
    // What the model wrote: two calls of get_weather, each its name, its arguments and 3 of framing.
    const calls = TOOL_ARGS.reduce((sum, args) => sum + countTokens('get_weather') + countTokens(JSON.stringify(args)) + 3, 0)
    // The prompt: the message with chat framing (8 + its text) and the rendered definition (more than its name and description).
    const least = countTokens(messages[0].content) + 8 + countTokens('get_weather') + countTokens('The weather now in a city')
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'success', output_tokens: calls, cost_status: 'estimated', metadata: expect.objectContaining({ usage_source: 'counted' }) })
      expect(row.input_tokens).toBeGreaterThan(least)
      // gpt-4o at PRICES.md's $2.50/M in and $10/M out, exactly.
      expect(pico(row.total_cost as string)).toBe(gpt4oPico(row.input_tokens as number, calls))
    }
    expect(rows[0].input_tokens).toBe(rows[1].input_tokens)
  })

  it('aborts the upstream when the client disconnects and records what was streamed as client_aborted', async () => {
    const u = await newUser()
    const controller = new AbortController()
    const stream = await u.client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'tell me a long story [fault:long-stream]' }], stream: true },
      { signal: controller.signal },
    )
    let received = ''
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? ''
        if (received.split('word').length > 10) controller.abort()
      }
    } catch {
      // the SDK may end the iteration or throw its abort error: either way the client is gone
    }
    expect(received.split('word').length).toBeLessThan(50)
    const [row] = await usageRows(db(), u.id)
    expect(row.status).toBe('client_aborted')
    expect(row.output_tokens).toBeGreaterThanOrEqual(10)
    expect(row.output_tokens).toBeLessThan(150)
    // Cut before the upstream's usage: what was streamed, counted by Tollgate, is an estimate.
    expect(row).toMatchObject({ cost_status: 'estimated', metadata: expect.objectContaining({ usage_source: 'counted' }) })
    await expect.poll(() => upstream.calls.at(-1)?.aborted, { timeout: 5_000 }).toBe(true)
  })

  it('ends a stream that fails mid-way with an error event and records it as an error', async () => {
    const u = await newUser()
    const stream = await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'crash [fault:stream-error]' }], stream: true })
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk
      })(),
    ).rejects.toThrow(/crashed mid-stream/)
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'error', error_code: 'upstream_error' })
  })

  it('records the campaign given in the body or the x-campaign-id header, and refuses someone else\'s', async () => {
    const u = await newUser()
    const { withClient } = await import('@/test/databases')
    const [mine, theirs] = await withClient(db(), async (c) => [
      (await c.query(`insert into public.campaigns (user_id, name) values ($1, 'launch') returning id::text`, [u.id])).rows[0].id,
      (await c.query(`insert into public.campaigns (user_id, name) values ($1, 'other') returning id::text`, [user.id])).rows[0].id,
    ])
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }], campaign: mine } as never)
    await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }] }, { headers: { 'x-campaign-id': mine } })
    await expect(u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'c' }], campaign: theirs } as never)).rejects.toMatchObject({ status: 400 })
    const rows = await usageRows(db(), u.id, 3)
    expect(rows.map((r) => r.campaign_id)).toEqual([mine, mine, null])
    // The campaign field is Tollgate's: it never reaches the upstream.
    expect(upstream.calls.some((c) => 'campaign' in c.body)).toBe(false)
  })

  it('refuses what a model\'s own vendor cannot carry even while the simulator serves it, so a key never changes what is accepted', async () => {
    const u = await newUser()
    // No ANTHROPIC_API_KEY here: Claude is simulated, but Anthropic has no `seed`.
    const refused = await u.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }], seed: 7 }).catch((e) => e)
    expect(refused).toMatchObject({ status: 400, param: 'seed' })
    const served = await u.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }).withResponse()
    expect(served.response.headers.get('x-tollgate-provider')).toBe('simulator')
    const rows = await usageRows(db(), u.id, 2)
    expect(rows.map((r) => [r.provider, r.model, r.status])).toEqual([
      ['simulator', 'claude-sonnet-4-5', 'error'],
      ['simulator', 'claude-sonnet-4-5', 'success'],
    ])
  })
})
