// /api/v1/messages with the official @anthropic-ai/sdk, against a fake Anthropic Messages API and
// a fake Gemini API (one server for both). For Claude (Anthropic's protocol) the request goes
// upstream as sent and the answer (thinking, signatures, tools, cache counts) comes back as
// Anthropic sent it, streamed or not, with cache writes priced at their own rates. For Gemini the
// Anthropic request is translated to OpenAI's shape, then by the Gemini adapter to Google's, and
// the answer back, so tools work end to end (tool_use blocks, streamed input_json_delta, results).
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, FAKE_SIGNATURE, FAKE_THINKING, FAKE_USAGE, TOOL_ARGS, startFakeAnthropic, type FakeAnthropic } from '@/test/fakes/anthropic'
import { FAKE_REPLY as GEMINI_REPLY, startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'
import { caught } from '@/test/anthropic'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let claudeApi: FakeAnthropic
let geminiApi: FakeGemini
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  ;[claudeApi, geminiApi] = await Promise.all([startFakeAnthropic(), startFakeGemini()])
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'anthropic-native-secret-at-least-32-characters',
    ANTHROPIC_API_KEY: claudeApi.apiKey,
    ANTHROPIC_BASE_URL: claudeApi.url,
    GEMINI_API_KEY: geminiApi.apiKey,
    GEMINI_BASE_URL: geminiApi.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await claudeApi?.close()
  await geminiApi?.close()
})

async function client() {
  const user = await createGatewayUser(server.url)
  return { user, anthropic: new Anthropic({ apiKey: user.key, baseURL: `${server.url}/api`, maxRetries: 0 }) }
}

describe('POST /api/v1/messages forwarded to Anthropic', () => {
  it('forwards the request as sent with the gateway key, and prices 5-minute and 1-hour cache writes', async () => {
    const { user, anthropic } = await client()
    const system = [{ type: 'text' as const, text: 'A long, cached system prompt.', cache_control: { type: 'ephemeral' as const } }]
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, system, messages: [{ role: 'user', content: 'Hi [cache-write]' }] })
    expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY.join('') }])
    expect(message.usage).toMatchObject({ input_tokens: FAKE_USAGE.prompt, cache_creation_input_tokens: FAKE_USAGE.cacheWrite, output_tokens: FAKE_USAGE.output })
    const sent = claudeApi.calls.at(-1)!
    // The client's anthropic-version goes along (it chose the wire format it reads).
    expect(sent).toMatchObject({ path: '/v1/messages', apiKey: claudeApi.apiKey, version: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) })
    expect(sent.body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 1000, system, messages: [{ role: 'user', content: 'Hi [cache-write]' }] })

    // A plain HTTP client that sends no version gets Anthropic's stable one.
    const raw = await fetch(`${server.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': user.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, system, messages: [{ role: 'user', content: 'Hi [cache-write-1h]' }] }),
    })
    expect(raw.status).toBe(200)
    expect(await raw.json()).toMatchObject({ type: 'message', usage: { cache_creation: { ephemeral_1h_input_tokens: FAKE_USAGE.cacheWrite } } })
    expect(claudeApi.calls.at(-1)!.version).toBe('2023-06-01')
    const [fiveMinutes, oneHour] = await usageRows(db(), user.id, 2)
    expect(fiveMinutes).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', endpoint: '/api/v1/messages', status: 'success', input_tokens: 6000, output_tokens: 500, cost_status: 'priced' })
    // claude-sonnet-4-5: 1,000 × $3/M + 5,000 written × $3.75/M (5 min) + 500 × $15/M = $0.02925
    expect(canonical(fiveMinutes.total_cost)).toBe('0.02925')
    // …and 5,000 written × $6/M (1 hour, twice the input rate) = $0.0405
    expect(oneHour).toMatchObject({ status: 'success', input_tokens: 6000, output_tokens: 500, cost_status: 'priced' })
    expect(canonical(oneHour.total_cost)).toBe('0.0405')
  })

  it('passes thinking (with its signature) and parallel tool calls through unchanged', async () => {
    const { user, anthropic } = await client()
    const tools = [{ name: 'weather', description: 'The weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }]
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [{ role: 'user', content: 'Paris and Rome? [reasoning] [tool] [cached]' }],
    })
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([
      { type: 'thinking', thinking: FAKE_THINKING.join(''), signature: FAKE_SIGNATURE },
      { type: 'tool_use', id: 'toolu_fake1', name: 'weather', input: TOOL_ARGS[0] },
      { type: 'tool_use', id: 'toolu_fake2', name: 'weather', input: TOOL_ARGS[1] },
    ])
    expect(claudeApi.calls.at(-1)!.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 }, tools })
    const [row] = await usageRows(db(), user.id)
    expect(row).toMatchObject({ provider: 'anthropic', input_tokens: 1000, cached_tokens: 800, output_tokens: 500, reasoning_tokens: 100 })
    // 200 × $3/M + 800 read × $0.30/M + 500 × $15/M = $0.00834
    expect(canonical(row.total_cost)).toBe('0.00834')
  })

  it('streams Anthropic events through, and meters the stream from its own usage', async () => {
    const { user, anthropic } = await client()
    const stream = anthropic.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Think [reasoning] [cache-write]' }] },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    )
    const message = await stream.finalMessage()
    expect(message.content).toEqual([
      { type: 'thinking', thinking: FAKE_THINKING.join(''), signature: FAKE_SIGNATURE },
      { type: 'text', text: FAKE_REPLY.join('') },
    ])
    expect(message.usage).toMatchObject({ input_tokens: 1000, cache_creation_input_tokens: 5000, output_tokens: 500 })
    expect(claudeApi.calls.at(-1)).toMatchObject({ beta: 'interleaved-thinking-2025-05-14', body: { stream: true } })
    const [row] = await usageRows(db(), user.id)
    expect(row).toMatchObject({ provider: 'anthropic', status: 'success', input_tokens: 6000, output_tokens: 500, reasoning_tokens: 100 })
    expect(canonical(row.total_cost)).toBe('0.02925')
    expect(row.time_to_first_token_ms).not.toBeNull()
  })

  it('records a client that leaves mid-stream as client_aborted and aborts the claudeApi', async () => {
    const { user, anthropic } = await client()
    const controller = new AbortController()
    const stream = await anthropic.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'long [fault:long-stream]' }], stream: true },
      { signal: controller.signal },
    )
    let deltas = 0
    try {
      for await (const event of stream) if (event.type === 'content_block_delta' && ++deltas >= 10) controller.abort()
    } catch {
      // the SDK may end the iteration or throw its abort error: either way the client is gone
    }
    const [row] = await usageRows(db(), user.id)
    // Anthropic's prompt count, with the output Tollgate counted from what was streamed: an estimate.
    expect(row).toMatchObject({ status: 'client_aborted', provider: 'anthropic', input_tokens: 1000, cost_status: 'estimated', metadata: expect.objectContaining({ usage_source: 'counted' }) })
    await expect.poll(() => claudeApi.calls.at(-1)?.aborted, { timeout: 5_000 }).toBe(true)
  })

  it('ends a stream Anthropic breaks off with an error event, and one that stops short as an error too', async () => {
    const { user, anthropic } = await client()
    for (const fault of ['stream-error', 'truncate']) {
      const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: `x [fault:${fault}]` }], stream: true })
      const failed = await caught(
        (async () => {
          for await (const event of stream) void event
        })(),
      )
      expect(failed.error).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    }
    const rows = await usageRows(db(), user.id, 2)
    expect(rows.map((r) => r.status)).toEqual(['error', 'error'])
  })

  it('passes Anthropic refusals through as BadRequestError and refuses server tools it cannot price', async () => {
    const { anthropic } = await client()
    const refused = await caught(anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x [fault:400]' }] }))
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
    expect(refused.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/the fake refuses this request/) } })
    const search = await caught(
      anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(search).toBeInstanceOf(Anthropic.BadRequestError)
    expect(search.error).toMatchObject({ error: { message: expect.stringMatching(/^tools\.0\.type: web_search_20250305 is billed per use/) } })
    // Regional inference (billed at a premium), MCP servers and the operator's workspace files.
    const before = claudeApi.calls.length
    for (const [extra, param] of [
      [{ inference_geo: 'us' }, 'inference_geo'],
      [{ mcp_servers: [{ type: 'url', url: 'https://mcp.example.test', name: 'x' }] }, 'mcp_servers'],
      [{ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_011' } }] }] }, 'messages.0.content.0'],
    ] as const) {
      const answer = await caught(anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], ...(extra as object) } as never))
      expect(answer, param).toBeInstanceOf(Anthropic.BadRequestError)
      expect(answer.error, param).toMatchObject({ error: { message: expect.stringContaining(`${param}:`) } })
    }
    expect(claudeApi.calls.length).toBe(before)
  })

  it("counts tokens with Anthropic's own count_tokens, said to be exact", async () => {
    const { anthropic } = await client()
    const { data, response } = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'count me' }] }).withResponse()
    expect(data).toEqual({ input_tokens: FAKE_USAGE.prompt })
    expect(response.headers.get('x-tollgate-token-count')).toBe('exact')
    expect(claudeApi.calls.at(-1)).toMatchObject({ path: '/v1/messages/count_tokens', apiKey: claudeApi.apiKey, body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'count me' }] } })
  })
})

const weather = { name: 'get_weather', description: 'The weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }

describe('POST /api/v1/messages served by Gemini', () => {
  it('answers with cache reads and thoughts in Anthropic counting, priced at Google rates', async () => {
    const { user, anthropic } = await client()
    const message = await anthropic.messages.create({ model: 'gemini-2.5-flash', max_tokens: 1000, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi [cached] [reasoning]' }] })
    expect(message.content).toEqual([{ type: 'text', text: GEMINI_REPLY.join('') }])
    expect(message.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800, output_tokens: 600 })
    expect(geminiApi.calls.at(-1)!.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 1000 } })
    const [row] = await usageRows(db(), user.id)
    expect(row).toMatchObject({ provider: 'gemini', endpoint: '/api/v1/messages', status: 'success', input_tokens: 1000, cached_tokens: 800, output_tokens: 600, reasoning_tokens: 100 })
    // The same call as vendor-chat.test.ts's, at the same price.
    expect(canonical(row.total_cost)).toBe('0.001584')
  })

  it('answers parallel tool calls as tool_use blocks, streamed or not', async () => {
    const { anthropic } = await client()
    const request = { model: 'gemini-2.5-flash', max_tokens: 1000, tools: [weather], messages: [{ role: 'user' as const, content: 'Paris and Rome? [tool]' }] }
    const message = await anthropic.messages.create(request)
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content.map((b) => (b.type === 'tool_use' ? [b.name, b.input] : b.type))).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Rome' }],
    ])
    expect(geminiApi.calls.at(-1)!.body.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'get_weather' })] }])

    const streamed = await anthropic.messages.stream(request).finalMessage()
    expect(streamed.stop_reason).toBe('tool_use')
    expect(streamed.content.map((b) => (b.type === 'tool_use' ? [b.name, b.input, b.id.length > 0] : b.type))).toEqual([
      ['get_weather', { city: 'Paris' }, true],
      ['get_weather', { city: 'Rome' }, true],
    ])
  })

  it('sends tool results back as Gemini function responses', async () => {
    const { anthropic } = await client()
    const message = await anthropic.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 1000,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny, 21 °C' }, { type: 'text', text: 'Summarise.' }] },
      ],
    })
    expect(message.content).toEqual([{ type: 'text', text: GEMINI_REPLY.join('') }])
    const contents = JSON.stringify(geminiApi.calls.at(-1)!.body.contents)
    expect(contents).toContain('"functionCall"')
    expect(contents).toContain('"functionResponse"')
    expect(contents).toContain('sunny, 21 °C')
  })
})
