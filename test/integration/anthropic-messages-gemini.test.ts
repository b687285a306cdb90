// /api/v1/messages for a Gemini model (a fake Gemini API): the Anthropic request translated to
// OpenAI's shape, then by the Gemini adapter to Google's, and the answer back, so tools work
// end to end (tool_use blocks, streamed input_json_delta, tool results in the next turn).
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeGemini
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeGemini()
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'anthropic-gemini-secret-at-least-32-characters', GEMINI_API_KEY: upstream.apiKey, GEMINI_BASE_URL: upstream.url })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

async function client() {
  const user = await createGatewayUser(server.url)
  return { user, anthropic: new Anthropic({ apiKey: user.key, baseURL: `${server.url}/api`, maxRetries: 0 }) }
}

const weather = { name: 'get_weather', description: 'The weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }

describe('POST /api/v1/messages served by Gemini', () => {
  it('answers with cache reads and thoughts in Anthropic counting, priced at Google rates', async () => {
    const { user, anthropic } = await client()
    const message = await anthropic.messages.create({ model: 'gemini-2.5-flash', max_tokens: 1000, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi [cached] [reasoning]' }] })
    expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY.join('') }])
    expect(message.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800, output_tokens: 600 })
    expect(upstream.calls.at(-1)!.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 1000 } })
    const [row] = await usageRows(db(), user.id)
    expect(row).toMatchObject({ provider: 'gemini', endpoint: '/api/v1/messages', status: 'success', input_tokens: 1000, cached_tokens: 800, output_tokens: 600, reasoning_tokens: 100 })
    // The same call as gemini-chat.test.ts's, at the same price.
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
    expect(upstream.calls.at(-1)!.body.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'get_weather' })] }])

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
    expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY.join('') }])
    const contents = JSON.stringify(upstream.calls.at(-1)!.body.contents)
    expect(contents).toContain('"functionCall"')
    expect(contents).toContain('"functionResponse"')
    expect(contents).toContain('sunny, 21 °C')
  })
})
