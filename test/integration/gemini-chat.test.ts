// Gemini through the gateway: the official OpenAI SDK chats with gemini-2.5-flash (plain,
// streamed, tools) against the fake Gemini API, and each call's row carries the provider, the
// tokens (cache, thoughts, image output) and the cost at Google's own rates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'
import { canonical, createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeGemini
let server: NextServer
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeGemini()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    GEMINI_API_KEY: upstream.apiKey,
    GEMINI_BASE_URL: upstream.url,
  })
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

describe('gemini through /api/v1/chat/completions', () => {
  it('completes with thoughts billed once and cached content at the cache rate', async () => {
    const u = await createGatewayUser(server.url)
    const data = await u.client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi [cached] [reasoning]' }] })
    expect(data.choices[0].message.content).toBe(FAKE_REPLY.join(''))
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 600, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 100 } })
    const call = upstream.calls.at(-1)!
    expect(call).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', apiKey: upstream.apiKey })
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
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(FAKE_REPLY.join(''))
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 500 } })
    expect(upstream.calls.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
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

  it('refuses what Gemini cannot carry with a 400 naming the field, before any upstream call', async () => {
    const before = upstream.calls.length
    const response = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], logit_bias: { '1': 5 } }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'logit_bias', type: 'invalid_request_error' } })
    expect(upstream.calls.length).toBe(before)
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
