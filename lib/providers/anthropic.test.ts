// Anthropic answers and event streams translated to OpenAI's shapes, usage normalised and priced
// (cache writes at their own rates), and the adapter driven end to end against the fake
// Messages API in test/fakes/anthropic.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, FAKE_SIGNATURE, FAKE_THINKING, FAKE_USAGE, JSON_REPLY, startFakeAnthropic, type FakeAnthropic } from '@/test/fakes/anthropic'
import { sseEvents } from '@/lib/gateway/sse'
import { fromTextUsage, priceTextUsage, resolveTextModel } from '@/lib/pricing/text'
import { anthropic, anthropicUsage } from '@/lib/providers/anthropic'
import type { ChatRequestBody, ParsedBody, StreamEvent, TextUsage } from '@/lib/providers/types'

const chat = anthropic.chat!
const config = { apiKey: 'sk-ant-fake', baseUrl: 'http://unused' }
const message = (over: Record<string, unknown> = {}) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hello' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 21, output_tokens: 10 },
  ...over,
})

describe('anthropicUsage', () => {
  it('counts cache reads and writes inside the prompt and splits writes by TTL', () => {
    const usage = anthropicUsage({
      input_tokens: 21,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      output_tokens: 310,
      output_tokens_details: { thinking_tokens: 200 },
    })
    expect(usage).toEqual({ inputTokens: 3121, outputTokens: 310, cachedTokens: 100, reasoningTokens: 200, cacheWriteTokens: 1000, cacheWrite1hTokens: 2000 })
    expect(fromTextUsage(usage!)).toEqual({ uncachedInputTokens: 21, cacheReadTokens: 100, cacheWriteTokens: 1000, cacheWrite1hTokens: 2000, outputTokens: 310 })
  })
  it('bills writes without a TTL breakdown at 5 minutes, and reads nulls as 0', () => {
    expect(anthropicUsage({ input_tokens: 5, cache_creation_input_tokens: 40, output_tokens: 3 })).toEqual({ inputTokens: 45, outputTokens: 3, cachedTokens: 0, reasoningTokens: 0, cacheWriteTokens: 40 })
    expect(anthropicUsage({ input_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: null, cache_creation: null, output_tokens: 3, output_tokens_details: null })).toEqual({ inputTokens: 5, outputTokens: 3, cachedTokens: 0, reasoningTokens: 0 })
    // A breakdown of nulls places nothing at 1 hour: the writes are 5-minute writes, never plain input.
    expect(anthropicUsage({ input_tokens: 5, cache_creation_input_tokens: 2048, cache_creation: { ephemeral_5m_input_tokens: null, ephemeral_1h_input_tokens: null }, output_tokens: 3 })).toMatchObject({
      inputTokens: 2053,
      cacheWriteTokens: 2048,
    })
    expect(anthropicUsage(undefined)).toBeNull()
    expect(anthropicUsage({})).toBeNull()
  })
})

describe('anthropic parseResponse', () => {
  it('joins text, turns tool_use into tool_calls and thinking into reasoning_content with its signed blocks', () => {
    const { completion, usage } = chat.parseResponse(
      message({
        content: [
          { type: 'thinking', thinking: 'Two cities.', signature: 'sig1' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'Checking ', citations: null },
          { type: 'text', text: 'both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 21, cache_read_input_tokens: 9, output_tokens: 310, output_tokens_details: { thinking_tokens: 120 } },
      }),
      config,
    )
    expect(completion).toMatchObject({ id: 'msg_1', object: 'chat.completion', model: 'claude-sonnet-4-5-20250929' })
    expect(completion.choices).toEqual([
      {
        index: 0,
        logprobs: null,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: 'Checking both.',
          refusal: null,
          reasoning_content: 'Two cities.',
          thinking_blocks: [{ type: 'thinking', thinking: 'Two cities.', signature: 'sig1' }, { type: 'redacted_thinking', data: 'opaque' }],
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
      },
    ])
    expect(completion.usage).toEqual({ prompt_tokens: 30, completion_tokens: 310, total_tokens: 340, prompt_tokens_details: { cached_tokens: 9 }, completion_tokens_details: { reasoning_tokens: 120 } })
    expect(usage).toEqual({ inputTokens: 30, outputTokens: 310, cachedTokens: 9, reasoningTokens: 120 })
  })

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    expect(chat.parseResponse(message({ stop_reason: stop }), config).completion.choices[0].finish_reason).toBe(finish)
  })

  it('gives a null content for a tool-only answer, refuses what is not a message, and reads Anthropic errors', () => {
    expect(chat.parseResponse(message({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }), config).completion.choices[0].message.content).toBeNull()
    expect(() => chat.parseResponse({ choices: [] }, config)).toThrow(/not an Anthropic message/)
    const body = (json: unknown): ParsedBody => ({ json, contentType: 'application/json', headers: new Headers() })
    expect(anthropic.parseError(529, body({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))).toBe('Overloaded')
    expect(anthropic.parseError(413, { bytes: new Uint8Array(), contentType: 'text/html', headers: new Headers() })).toBe('Anthropic answered HTTP 413')
  })
})

/** Feeds SSE data strings through a fresh translator. */
function translate(events: object[]): StreamEvent[] {
  const stream = chat.openStream(config)
  return [...events.flatMap((e) => stream.next(JSON.stringify(e))), ...stream.end()]
}
const deltas = (events: StreamEvent[]) => events.flatMap((e) => (e.kind === 'chunk' ? e.chunk.choices.map((c) => c.delta) : []))

describe('anthropic openStream', () => {
  const start = { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, usage: { input_tokens: 25, cache_read_input_tokens: 5, cache_creation_input_tokens: 0, output_tokens: 1 } } }
  const stop = [{ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }, { type: 'message_stop' }]

  it('turns text, thinking and tool_use blocks into role, content, reasoning and indexed tool-call deltas, then finish, usage and done', () => {
    const events = translate([
      start,
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: ' "Paris"}' } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"city": "Rome"}' } },
      { type: 'some_future_event', data: 1 },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_stop', index: 3 },
      ...stop,
    ])
    expect(deltas(events)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Hmm' },
      { thinking_blocks: [{ type: 'thinking', thinking: 'Hmm', signature: 'sig' }] },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city": "Rome"}' } }] },
      {},
    ])
    const chunks = events.filter((e): e is Extract<StreamEvent, { kind: 'chunk' }> => e.kind === 'chunk')
    expect(chunks.every((c) => c.chunk.id === 'msg_s' && c.chunk.object === 'chat.completion.chunk' && c.chunk.model === 'claude-sonnet-4-5')).toBe(true)
    expect(chunks.at(-2)!.chunk.choices[0].finish_reason).toBe('tool_calls')
    expect(chunks.at(-1)!.chunk).toMatchObject({ choices: [], usage: { prompt_tokens: 30, completion_tokens: 42, total_tokens: 72, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 0 } } })
    expect(chunks.at(-1)!.usage).toEqual({ inputTokens: 30, outputTokens: 42, cachedTokens: 5, reasoningTokens: 0 })
    expect(events.at(-1)).toEqual({ kind: 'done' })
  })

  it('takes cumulative usage from the last message_delta, preferring its non-null input counts', () => {
    const events = translate([
      start,
      { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 10 } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 25, cache_read_input_tokens: null, cache_creation_input_tokens: 4000, output_tokens: 64 } },
      { type: 'message_stop' },
    ])
    const usageChunk = events.find((e) => e.kind === 'chunk' && e.usage)
    expect(usageChunk && usageChunk.kind === 'chunk' && usageChunk.usage).toEqual({ inputTokens: 4030, outputTokens: 64, cachedTokens: 5, reasoningTokens: 0, cacheWriteTokens: 4000 })
    expect(deltas(events).length).toBe(2)
    expect(events.some((e) => e.kind === 'chunk' && e.chunk.choices[0]?.finish_reason === 'length')).toBe(true)
  })

  it('reports an error event, and owes nothing when the stream ends without message_stop', () => {
    const cut = translate([start, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }])
    expect(cut.map((e) => e.kind)).toEqual(['chunk', 'chunk'])
    const failed = translate([start, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }])
    expect(failed.at(-1)).toEqual({ kind: 'error', message: 'overloaded_error: Overloaded' })
    expect(() => chat.openStream(config).next('{"type": "message_start", ')).toThrow()
  })
})

describe('anthropic against the fake Messages API', () => {
  let fake: FakeAnthropic
  beforeAll(async () => {
    fake = await startFakeAnthropic()
  })
  afterAll(() => fake.close())

  const body = (text: string, over: Partial<ChatRequestBody> = {}): ChatRequestBody => ({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: text }], max_completion_tokens: 2048, ...over })
  const send = (b: ChatRequestBody) => {
    const call = chat.buildRequest(b, { apiKey: fake.apiKey, baseUrl: fake.url })
    return fetch(call.url, { method: call.method, headers: call.headers, body: call.body as string })
  }
  const complete = async (b: ChatRequestBody) => chat.parseResponse(await (await send(b)).json(), config)
  async function stream(b: ChatRequestBody): Promise<StreamEvent[]> {
    const response = await send({ ...b, stream: true })
    const translator = chat.openStream(config)
    const events: StreamEvent[] = []
    for await (const data of sseEvents(response.body!, new AbortController().signal)) events.push(...translator.next(data))
    return [...events, ...translator.end()]
  }
  const text = (events: StreamEvent[]) => deltas(events).map((d) => d.content ?? '').join('')
  const usageOf = (events: StreamEvent[]): TextUsage | undefined => events.flatMap((e) => (e.kind === 'chunk' && e.usage ? [e.usage] : []))[0]

  it('answers a plain and a streamed call alike, checking the key and version the vendor way', async () => {
    const plain = await complete(body('hi'))
    expect(plain.completion.choices[0]).toMatchObject({ message: { content: FAKE_REPLY.join('') }, finish_reason: 'stop' })
    expect(plain.usage).toEqual({ inputTokens: FAKE_USAGE.prompt, outputTokens: FAKE_USAGE.output, cachedTokens: 0, reasoningTokens: 0 })
    const events = await stream(body('hi'))
    expect(text(events)).toBe(FAKE_REPLY.join(''))
    expect(usageOf(events)).toEqual(plain.usage)
    expect(events.at(-1)).toEqual({ kind: 'done' })
    expect(fake.calls.at(-1)).toMatchObject({ path: '/v1/messages', apiKey: fake.apiKey, version: '2023-06-01' })
    const wrongKey = chat.buildRequest(body('hi'), { apiKey: 'sk-ant-wrong', baseUrl: fake.url })
    const refused = await fetch(wrongKey.url, { method: 'POST', headers: wrongKey.headers, body: wrongKey.body as string })
    expect(refused.status).toBe(401)
    expect(anthropic.parseError(401, { json: await refused.json(), contentType: 'application/json', headers: refused.headers })).toBe('invalid x-api-key')
  })

  it('streams two parallel tool calls whose arguments arrive in fragments', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
    const events = await stream(body('[tool] weather?', { tools }))
    const calls: { id?: string; name?: string; arguments: string }[] = []
    for (const d of deltas(events))
      for (const c of (d.tool_calls as { index: number; id?: string; function: { name?: string; arguments: string } }[] | undefined) ?? []) {
        calls[c.index] ??= { arguments: '' }
        if (c.id) Object.assign(calls[c.index], { id: c.id, name: c.function.name })
        calls[c.index].arguments += c.function.arguments
      }
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Rome' }]])
    expect(events.some((e) => e.kind === 'chunk' && e.chunk.choices[0]?.finish_reason === 'tool_calls')).toBe(true)
    const single = await complete(body('[tool] weather?', { tools, parallel_tool_calls: false }))
    expect(single.completion.choices[0].message.tool_calls).toHaveLength(1)
  })

  it('streams thinking as reasoning_content and its signed block; counts thinking tokens as reasoning', async () => {
    const events = await stream(body('[reasoning] think', { reasoning_effort: 'low' }))
    expect(deltas(events).map((d) => d.reasoning_content ?? '').join('')).toBe(FAKE_THINKING.join(''))
    expect(deltas(events).find((d) => d.thinking_blocks)).toEqual({ thinking_blocks: [{ type: 'thinking', thinking: FAKE_THINKING.join(''), signature: FAKE_SIGNATURE }] })
    expect(usageOf(events)).toMatchObject({ outputTokens: FAKE_USAGE.output, reasoningTokens: FAKE_USAGE.thinking })
    expect(fake.calls.at(-1)!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
  })

  it('carries the JSON schema the vendor way and returns the JSON as content', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
    const { completion } = await complete(body('[json] answer', { response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } } }))
    expect(completion.choices[0].message.content).toBe(JSON_REPLY)
    expect(text(await stream(body('[json] answer', { response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } } })))).toBe(JSON_REPLY)
  })

  it('stops at max_tokens as Anthropic does, and reports the cache reads and writes it was told', async () => {
    const cut = await complete(body('hi', { max_completion_tokens: 100 }))
    expect(cut.completion.choices[0].finish_reason).toBe('length')
    expect(cut.usage?.outputTokens).toBe(100)
    expect((await complete(body('[cached] hi'))).usage).toMatchObject({ inputTokens: 1000, cachedTokens: 800 })
    expect(usageOf(await stream(body('[cache-write-1h] hi')))).toMatchObject({ inputTokens: 6000, cacheWrite1hTokens: 5000 })
  })

  it('cuts a stream with the vendor error event, or with silence after the last event', async () => {
    const failed = await stream(body('[fault:stream-error] hi'))
    expect(failed.at(-1)).toEqual({ kind: 'error', message: 'overloaded_error: Overloaded' })
    const truncated = await stream(body('[fault:truncate] hi'))
    expect(truncated.some((e) => e.kind === 'done')).toBe(false)
    expect(text(truncated)).toBe(FAKE_REPLY.slice(0, 2).join(''))
  })

  it('answers 429 with retry-after and 529 overloaded in Anthropic’s error shape', async () => {
    const limited = await send(body('[fault:429] hi'))
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7'])
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    const overloaded = await send(body('[fault:529] hi'))
    expect(overloaded.status).toBe(529)
    expect(anthropic.parseError(529, { json: await overloaded.json(), contentType: 'application/json', headers: overloaded.headers })).toBe('Overloaded')
  })

  it('prices a call with 5,000 cache-write tokens at Anthropic’s published rates for claude-sonnet-4-5', async () => {
    // $3/M input, $3.75/M 5-minute cache writes (1.25×), $15/M output: 1,000 × 3 + 5,000 × 3.75
    // + 500 × 15 per million = $0.02925. Billed as plain input (the bug) it was $0.0255.
    const { usage } = await complete(body('[cache-write] hi'))
    expect(usage).toEqual({ inputTokens: 6000, outputTokens: 500, cachedTokens: 0, reasoningTokens: 0, cacheWriteTokens: 5000 })
    const cost = priceTextUsage(resolveTextModel('anthropic', 'claude-sonnet-4-5'), fromTextUsage(usage!))
    expect(cost).toMatchObject({ costStatus: 'priced', inputCost: '0.02175', outputCost: '0.0075', totalCost: '0.02925' })
  })
})

describe('a cut Anthropic stream', () => {
  it('still has what Anthropic reported at its start: the prompt and its cache counts', () => {
    const translator = anthropic.chat!.openStream({ apiKey: 'k', baseUrl: 'https://api.anthropic.test' })
    expect(translator.usageSoFar!()).toBeNull()
    translator.next(JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 20, cache_creation_input_tokens: 5000, output_tokens: 1 } } }))
    translator.next(JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))
    translator.next(JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }))
    expect(translator.usageSoFar!()).toEqual({ inputTokens: 5020, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0, cacheWriteTokens: 5000 })
  })
})
