// Chat with a Claude model through the gateway with the official OpenAI SDK, against the fake
// Anthropic Messages API: the request Anthropic receives, the answer the client sees, and the
// row the call leaves, priced at Anthropic's own rates (cache writes and thinking included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { CUT_REPLY, FAKE_REPLY, FAKE_THINKING, startFakeAnthropic, type FakeAnthropic } from '@/test/fakes/anthropic'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeAnthropic
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeAnthropic()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    ANTHROPIC_API_KEY: upstream.apiKey,
    ANTHROPIC_BASE_URL: upstream.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
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
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: FAKE_REPLY.join('') }, finish_reason: 'stop' })
    expect(data.usage).toMatchObject({ prompt_tokens: 6000, completion_tokens: 500 })
    expect(upstream.calls.at(-1)).toMatchObject({ path: '/v1/messages', apiKey: upstream.apiKey, version: '2023-06-01' })
    expect(upstream.calls.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 1000, system: [{ type: 'text', text: 'Be brief.' }] })

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
    expect(content).toBe(FAKE_REPLY.join(''))
    expect(reasoning).toBe(FAKE_THINKING.join(''))
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 100 } })
    expect(upstream.calls.at(-1)!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })

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

  it('refuses a field Anthropic cannot carry with a 400 naming it, before calling upstream', async () => {
    const u = await createGatewayUser(server.url)
    const before = upstream.calls.length
    const error = await u.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], seed: 7 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 400, param: 'seed' })
    expect(upstream.calls.length).toBe(before)
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
