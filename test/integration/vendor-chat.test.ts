// Claude and Gemini through /api/v1/chat/completions with the official OpenAI SDK, against the
// fake Anthropic Messages API and the fake Gemini API (one server for both): the request each
// vendor receives in its own wire shape, the answer the client sees, and the row each call
// leaves, priced at the vendor's own rates (cache writes and reads, thinking and thoughts,
// image output). The same cases for every protocol side by side are in conformance.test.ts.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CUT_REPLY, FAKE_REPLY as CLAUDE_REPLY, FAKE_THINKING, startFakeAnthropic, type FakeAnthropic } from '@/test/fakes/anthropic'
import { FAKE_REPLY as GEMINI_REPLY, startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'
import { canonical, createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let claudeApi: FakeAnthropic
let geminiApi: FakeGemini
let server: NextServer
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  ;[claudeApi, geminiApi] = await Promise.all([startFakeAnthropic(), startFakeGemini()])
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    ANTHROPIC_API_KEY: claudeApi.apiKey,
    ANTHROPIC_BASE_URL: claudeApi.url,
    GEMINI_API_KEY: geminiApi.apiKey,
    GEMINI_BASE_URL: geminiApi.url,
  })
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await claudeApi?.close()
  await geminiApi?.close()
})

describe('claude-sonnet-4-5 through /api/v1/chat/completions', () => {
  it('translates a plain call, and bills its 5,000 cache-write tokens at the cache-write rate', async () => {
    const u = await createGatewayUser(server.url)
    const data = await u.client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi [cache-write]' },
      ],
      max_tokens: 1000,
    })
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: CLAUDE_REPLY.join('') }, finish_reason: 'stop' })
    expect(data.usage).toMatchObject({ prompt_tokens: 6000, completion_tokens: 500 })
    expect(claudeApi.calls.at(-1)).toMatchObject({ path: '/v1/messages', apiKey: claudeApi.apiKey, version: '2023-06-01' })
    expect(claudeApi.calls.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 1000, system: [{ type: 'text', text: 'Be brief.' }] })

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', status: 'success', input_tokens: 6000, output_tokens: 500, cached_tokens: 0, cost_status: 'priced' })
    // Anthropic's rates: 1,000 × $3/M + 5,000 × $3.75/M (5-minute writes) = $0.02175; 500 × $15/M = $0.0075.
    expect(canonical(row.input_cost)).toBe('0.02175')
    expect(canonical(row.total_cost)).toBe('0.02925')
  })

  it('streams with thinking and usage, counting thinking as reasoning tokens billed once as output', async () => {
    const u = await createGatewayUser(server.url)
    const stream = await u.client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Think [reasoning] [cached]' }],
      reasoning_effort: 'low',
      max_completion_tokens: 4000,
      stream: true,
      stream_options: { include_usage: true },
    })
    let content = ''
    let reasoning = ''
    let usage
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? ''
      usage ??= chunk.usage ?? undefined
    }
    expect(content).toBe(CLAUDE_REPLY.join(''))
    expect(reasoning).toBe(FAKE_THINKING.join(''))
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 100 } })
    expect(claudeApi.calls.at(-1)!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'anthropic', input_tokens: 1000, output_tokens: 500, cached_tokens: 800, reasoning_tokens: 100 })
    // 200 × $3/M + 800 × $0.30/M (reads) = $0.00084; 500 × $15/M = $0.0075.
    expect(canonical(row.total_cost)).toBe('0.00834')
  })

  it('returns parallel tool calls', async () => {
    const u = await createGatewayUser(server.url)
    const data = await u.client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome? [tool]' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      max_tokens: 1000,
    })
    expect(data.choices[0].finish_reason).toBe('tool_calls')
    const calls = data.choices[0].message.tool_calls as { function: { name: string; arguments: string } }[]
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Rome' }]])
  })

  it('refuses a field Anthropic cannot carry with a 400 naming it, before calling claudeApi', async () => {
    const u = await createGatewayUser(server.url)
    const before = claudeApi.calls.length
    const error = await u.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], seed: 7 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 400, param: 'seed' })
    expect(claudeApi.calls.length).toBe(before)
  })

  it('bills a stream cut mid-way by what Anthropic reported at its start (cache writes too) and what was streamed', async () => {
    const u = await createGatewayUser(server.url)
    const stream = await u.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Cut me [cache-write] [fault:stream-error]' }], stream: true })
    let text = ''
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
      })(),
    ).rejects.toThrow()
    expect(text).toBe(CUT_REPLY.join(''))
    const [row] = await usageRows(db(), u.id)
    const streamed = countTokens(CUT_REPLY.join(''))
    // message_start said 1,000 uncached + 5,000 cache-write input; the output is what was streamed.
    expect(row).toMatchObject({ provider: 'anthropic', status: 'error', input_tokens: 6000, output_tokens: streamed })
    // 1,000 × $3/M + 5,000 × $3.75/M + streamed × $15/M, in nano-dollars (3,000 / 3,750 / 15,000 a token)
    const nano = 1000 * 3000 + 5000 * 3750 + streamed * 15_000
    expect(canonical(row.total_cost)).toBe(canonical(`0.${String(nano).padStart(9, '0')}`))
  })
})

const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

describe('gemini through /api/v1/chat/completions', () => {
  it('completes with thoughts billed once and cached content at the cache rate', async () => {
    const u = await createGatewayUser(server.url)
    const data = await u.client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi [cached] [reasoning]' }] })
    expect(data.choices[0].message.content).toBe(GEMINI_REPLY.join(''))
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 600, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 100 } })
    const call = geminiApi.calls.at(-1)!
    expect(call).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', apiKey: geminiApi.apiKey })
    expect(call.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] })

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash', status: 'success', input_tokens: 1000, output_tokens: 600, cached_tokens: 800, reasoning_tokens: 100, cost_status: 'priced' })
    // Google: $0.30/M input, $0.03/M cache read, $2.50/M output (thoughts included, once):
    // 200 × 0.30 + 800 × 0.03 = $0.000084; 600 × 2.50 = $0.0015.
    expect([canonical(row.input_cost), canonical(row.output_cost), canonical(row.total_cost)]).toEqual(['0.000084', '0.0015', '0.001584'])
  })

  it('streams with the usage chunk the client asked for, and meters the stream', async () => {
    const u = await createGatewayUser(server.url)
    const stream = await u.client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'stream' }], stream: true, stream_options: { include_usage: true } })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(GEMINI_REPLY.join(''))
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 500 } })
    expect(geminiApi.calls.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    const [row] = await usageRows(db(), u.id)
    // 1,000 × $0.30/M + 500 × $2.50/M = $0.0003 + $0.00125.
    expect(row).toMatchObject({ provider: 'gemini', status: 'success', input_tokens: 1000, output_tokens: 500 })
    expect(canonical(row.total_cost)).toBe('0.00155')
  })

  it('answers parallel tool calls the SDK can read, streamed or not', async () => {
    const data = await user.client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Paris and Rome? [tool]' }], tools: [weather] })
    expect(data.choices[0].finish_reason).toBe('tool_calls')
    const calls = data.choices[0].message.tool_calls!.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null))
    expect(calls).toEqual([{ city: 'Paris' }, { city: 'Rome' }])
    const runner = user.client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Paris and Rome? [tool]' }], tools: [weather] })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0].message.tool_calls?.map((c) => (c.type === 'function' ? c.function.name : ''))).toEqual(['get_weather', 'get_weather'])
  })

  it('prices image output at the image rate (gemini-2.5-flash-image)', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gemini-2.5-flash-image', messages: [{ role: 'user', content: 'Draw a cat [image-out]' }] })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'gemini', output_tokens: 1790 })
    // 1,000 × $0.30/M = $0.0003; 500 text × $2.50/M + 1,290 image × $30/M = $0.03995.
    expect([canonical(row.input_cost), canonical(row.output_cost)]).toEqual(['0.0003', '0.03995'])
  })

  it('refuses what Gemini cannot carry with a 400 naming the field, before any geminiApi call', async () => {
    const before = geminiApi.calls.length
    const response = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], logit_bias: { '1': 5 } }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'logit_bias', type: 'invalid_request_error' } })
    expect(geminiApi.calls.length).toBe(before)
  })

  it('prices a floating alias as the model Google says answered, plain and streamed', async () => {
    const u = await createGatewayUser(server.url)
    const ask = { model: 'gemini-flash-latest', messages: [{ role: 'user' as const, content: 'Hi [served:gemini-3.5-flash]' }] }
    await u.client.chat.completions.create(ask)
    const stream = await u.client.chat.completions.create({ ...ask, stream: true })
    for await (const chunk of stream) void chunk
    const rows = await usageRows(db(), u.id, 2)
    // gemini-3.5-flash: 1,000 × $1.50/M + 500 × $9/M (gemini-2.5-flash's rates would say $0.00155)
    expect(rows.map((r) => [r.provider, r.model, canonical(r.total_cost)])).toEqual([
      ['gemini', 'gemini-flash-latest', '0.006'],
      ['gemini', 'gemini-flash-latest', '0.006'],
    ])
  })
})
