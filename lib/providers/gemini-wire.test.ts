// The Gemini adapter over the wire: requests it builds sent through the real transport to the
// fake Gemini API (test/fakes/gemini.ts, Google's wire format), answers and SSE streams read
// back through the gateway's own SSE reader. Checks that both halves agree on the format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sseEvents } from '@/lib/gateway/sse'
import { gemini } from '@/lib/providers/gemini'
import { deadline, exchange, send, UpstreamError } from '@/lib/providers/transport'
import type { ChatRequestBody, StreamEvent } from '@/lib/providers/types'
import { CUT_REPLY, FAKE_IMAGE, FAKE_REPLY, FAKE_THOUGHT, startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'

let fake: FakeGemini
beforeAll(async () => {
  fake = await startFakeGemini()
})
afterAll(() => fake.close())

const chat = gemini.chat!
const config = () => ({ apiKey: fake.apiKey, baseUrl: fake.url })
const body = (text: string, over: Partial<ChatRequestBody> = {}): ChatRequestBody => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: text }], ...over })
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

async function complete(b: ChatRequestBody, cfg = config()) {
  const answer = await exchange(gemini, chat.buildRequest(b, cfg), { timeoutMs: 10_000 })
  return chat.parseResponse(answer.json, cfg)
}

async function stream(b: ChatRequestBody, timeoutMs = 10_000): Promise<StreamEvent[]> {
  const clock = deadline({ timeoutMs })
  try {
    const response = await send(gemini, chat.buildRequest({ ...b, stream: true }, config()), clock.signal, clock)
    const translator = chat.openStream(config())
    const events: StreamEvent[] = []
    for await (const data of sseEvents(response.body!, clock.signal)) events.push(...translator.next(data))
    return [...events, ...translator.end()]
  } finally {
    clock.clear()
  }
}

const text = (events: StreamEvent[], field = 'content') => events.map((e) => (e.kind === 'chunk' ? (e.chunk.choices[0]?.delta[field] ?? '') : '')).join('')
const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable(), (e: unknown) => e as UpstreamError)

describe('gemini adapter against the fake Gemini API', () => {
  it('completes a chat with Google usage read as OpenAI usage, the key sent as x-goog-api-key', async () => {
    const { completion, usage } = await complete(body('Hi', { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }))
    expect(completion.choices[0]).toMatchObject({ message: { content: FAKE_REPLY.join('') }, finish_reason: 'stop' })
    expect(usage).toEqual({ inputTokens: 1000, outputTokens: 500, cachedTokens: 0, reasoningTokens: 0 })
    const call = fake.calls.at(-1)!
    expect(call).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', apiKey: fake.apiKey, stream: false })
    expect(call.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] })
  })

  it('streams one delta a piece, the finish, and the usage of the last chunk, then done', async () => {
    const events = await stream(body('Hi [cached] [reasoning]', { reasoning_effort: 'low' }))
    expect(fake.calls.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    expect(text(events)).toBe(FAKE_REPLY.join(''))
    expect(text(events, 'reasoning_content')).toBe(FAKE_THOUGHT)
    const finishes = events.flatMap((e) => (e.kind === 'chunk' ? e.chunk.choices.map((c) => c.finish_reason).filter(Boolean) : []))
    expect(finishes).toEqual(['stop'])
    expect(events.at(-2)).toMatchObject({ kind: 'chunk', chunk: { choices: [], usage: { prompt_tokens: 1000, completion_tokens: 600 } }, usage: { inputTokens: 1000, outputTokens: 600, cachedTokens: 800, reasoningTokens: 100 } })
    expect(events.at(-1)).toEqual({ kind: 'done' })
  })

  it('round-trips parallel tool calls: two calls out, both results back under the function\'s name', async () => {
    const first = await complete(body('Weather in Paris and Rome? [tool]', { tools: [weather] }))
    const message = first.completion.choices[0].message
    expect(first.completion.choices[0].finish_reason).toBe('tool_calls')
    const calls = message.tool_calls as { id: string; function: { arguments: string } }[]
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ city: 'Paris' }, { city: 'Rome' }])
    const second = await complete(
      body('', {
        tools: [weather],
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome? [tool]' },
          message,
          ...calls.map((c, i) => ({ role: 'tool', tool_call_id: c.id, content: JSON.stringify({ temp: 20 + i }) })),
          { role: 'user', content: 'Summarise.' },
        ],
      }),
    )
    expect(second.completion.choices[0].message.content).toBe(FAKE_REPLY.join(''))
    const sentBack = fake.calls.at(-1)!.body.contents as { role: string; parts: Record<string, unknown>[] }[]
    // The first call's thought signature went back with it, as Gemini 3 requires.
    expect(sentBack[1].parts[0]).toMatchObject({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' })
    expect(sentBack[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { output: { temp: 20 } } } },
        { functionResponse: { name: 'get_weather', response: { output: { temp: 21 } } } },
        { text: 'Summarise.' },
      ],
    })
  })

  it('streams tool calls', async () => {
    const events = await stream(body('[tool]', { tools: [weather] }))
    const calls = events.flatMap((e) => (e.kind === 'chunk' ? ((e.chunk.choices[0]?.delta.tool_calls as { index: number }[] | undefined) ?? []) : []))
    expect(calls.map((c) => c.index)).toEqual([0, 1])
    expect(events.at(-1)).toEqual({ kind: 'done' })
  })

  it('asks for JSON with the schema the Gemini way', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } }
    const { completion } = await complete(body('[json]', { response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } }))
    expect(JSON.parse(completion.choices[0].message.content!)).toEqual({ answer: 'ok' })
    expect(fake.calls.at(-1)!.body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema })
  })

  it('returns image output with its tokens apart, and cuts at max tokens with finish length', async () => {
    const image = await complete(body('Draw a cat [image-out]', { model: 'gemini-2.5-flash-image' }))
    expect(image.completion.choices[0].message.images).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${FAKE_IMAGE}` } }])
    expect(image.usage).toMatchObject({ outputTokens: 1790, outputImageTokens: 1290 })
    const cut = await complete(body('Hi', { max_completion_tokens: 100 }))
    expect(cut.completion.choices[0].finish_reason).toBe('length')
    expect(cut.usage?.outputTokens).toBe(100)
  })

  it('answers a blocked prompt, streamed or not, as content_filter', async () => {
    expect((await complete(body('[blocked]'))).completion.choices[0].finish_reason).toBe('content_filter')
    const events = await stream(body('[blocked]'))
    expect(events.at(-1)).toEqual({ kind: 'done' })
  })

  it('reads Google errors: 429 rate limited, 500, a wrong key (400 API_KEY_INVALID)', async () => {
    // Gemini says how long to wait in the body, not in Retry-After.
    expect(await failure(complete(body('[fault:429]')))).toMatchObject({ failure: 'rate_limited', upstreamStatus: 429, retryAfterSeconds: 7, message: expect.stringContaining('RESOURCE_EXHAUSTED') })
    expect(await failure(complete(body('[fault:500]')))).toMatchObject({ failure: 'server_error', upstreamStatus: 500 })
    // Its 400 for a bad key is our key refused: read as a 401, so the caller is not blamed (nor shown the message).
    expect(await failure(complete(body('Hi'), { ...config(), apiKey: 'wrong' }))).toMatchObject({ failure: 'client_error', upstreamStatus: 401, message: expect.stringContaining('API key not valid') })
  })

  it('surfaces a mid-stream error chunk, and owes nothing after a stream cut without a finish', async () => {
    const broken = await stream(body('[fault:stream-error]'))
    expect(text(broken)).toBe(CUT_REPLY.join(''))
    expect(broken.at(-1)).toMatchObject({ kind: 'error' })
    const truncated = await stream(body('[fault:truncate]'))
    expect(text(truncated)).toBe(CUT_REPLY.join(''))
    expect(truncated.some((e) => e.kind === 'done')).toBe(false)
  })

  it('stalls after two pieces until the reader gives up, and records that the gateway hung up', async () => {
    await expect(stream(body('[fault:stall]'), 1_000)).rejects.toBeInstanceOf(UpstreamError)
    const call = fake.calls.at(-1)!
    await expect.poll(() => call.aborted, { timeout: 5_000 }).toBe(true)
  })
})
