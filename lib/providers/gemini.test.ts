// The Gemini adapter's answer half: GenerateContentResponse and its SSE stream translated to
// OpenAI's shapes, usage normalised and priced at Google's published rates.
import { describe, expect, it } from 'vitest'
import { gemini, geminiUsage } from '@/lib/providers/gemini'
import { fromTextUsage, priceTextUsage, resolveTextModel } from '@/lib/pricing/text'
import type { StreamEvent } from '@/lib/providers/types'

const chat = gemini.chat!
const config = { apiKey: 'gk-secret', baseUrl: 'https://generativelanguage.googleapis.com' }

const answer = (parts: unknown[], finishReason = 'STOP', extra: object = {}) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
  usageMetadata: { promptTokenCount: 58, candidatesTokenCount: 17, totalTokenCount: 75 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r1',
  ...extra,
})

describe('gemini response', () => {
  it('joins text parts, surfaces thoughts as reasoning_content and reports OpenAI usage', () => {
    const { completion, usage } = chat.parseResponse(
      answer([{ text: 'Let me think', thought: true }, { text: 'Hello' }, { text: ' world' }], 'STOP', {
        usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 500, thoughtsTokenCount: 100, totalTokenCount: 1600 },
      }),
      config,
    )
    expect(completion).toMatchObject({ id: 'chatcmpl-r1', object: 'chat.completion', model: 'gemini-2.5-flash' })
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null, reasoning_content: 'Let me think' }, logprobs: null, finish_reason: 'stop' }])
    expect(completion.usage).toEqual({ prompt_tokens: 1000, completion_tokens: 600, total_tokens: 1600, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 100 } })
    expect(usage).toEqual({ inputTokens: 1000, outputTokens: 600, cachedTokens: 800, reasoningTokens: 100 })
  })

  it('turns parallel function calls into tool_calls with ids, and STOP into tool_calls', () => {
    const { completion } = chat.parseResponse(
      answer([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig' }, { functionCall: { id: 'g-2', name: 'get_weather', args: { city: 'Rome' } } }]),
      config,
    )
    const [choice] = completion.choices
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBeNull()
    const calls = choice.message.tool_calls as { id: string }[]
    expect(calls).toEqual([
      { id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'sig' } } },
      { id: 'g-2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ])
  })

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['OTHER', 'stop'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    expect(chat.parseResponse(answer([{ text: 'x' }], reason), config).completion.choices[0].finish_reason).toBe(expected)
  })

  it('answers a blocked prompt as a content_filter completion, billed for its prompt', () => {
    const { completion, usage } = chat.parseResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 }, modelVersion: 'gemini-2.5-flash' }, config)
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }])
    expect(usage).toEqual({ inputTokens: 12, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 })
  })

  it('surfaces generated images as data URLs in message.images, with their tokens apart', () => {
    const { completion, usage } = chat.parseResponse(
      answer([{ text: 'Here it is' }, { inlineData: { mimeType: 'image/png', data: 'iVBOR' } }], 'STOP', {
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1300, totalTokenCount: 1310, candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 10 }, { modality: 'IMAGE', tokenCount: 1290 }] },
      }),
      config,
    )
    expect(completion.choices[0].message).toMatchObject({ content: 'Here it is', images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }] })
    expect(usage).toEqual({ inputTokens: 10, outputTokens: 1300, cachedTokens: 0, reasoningTokens: 0, outputImageTokens: 1290 })
  })

  it('counts tool-use prompt tokens as input and reads missing counts as zero', () => {
    expect(geminiUsage({ promptTokenCount: 100, toolUsePromptTokenCount: 40, candidatesTokenCount: 5 })).toEqual({ inputTokens: 140, outputTokens: 5, cachedTokens: 0, reasoningTokens: 0 })
    expect(geminiUsage({})).toEqual({ inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 })
    expect(geminiUsage(undefined)).toBeNull()
  })

  it('throws on bodies that are not answers, and reads Google errors', () => {
    for (const body of [null, [], {}, { candidates: [] }]) expect(() => chat.parseResponse(body, config)).toThrow()
    const parsed = (json: unknown) => ({ json, contentType: 'application/json', headers: new Headers() })
    expect(gemini.parseError(429, parsed({ error: { code: 429, message: 'You exceeded your current quota', status: 'RESOURCE_EXHAUSTED' } }))).toBe('You exceeded your current quota (RESOURCE_EXHAUSTED)')
    expect(gemini.parseError(502, parsed(undefined))).toBe('upstream answered HTTP 502')
  })
})

const sse = (...chunks: unknown[]) => {
  const t = chat.openStream(config)
  const events = chunks.flatMap((c) => t.next(JSON.stringify(c)))
  return { events, end: t.end() }
}
const deltas = (events: StreamEvent[]) => events.flatMap((e) => (e.kind === 'chunk' ? e.chunk.choices.map((c) => ({ delta: c.delta, finish: c.finish_reason })) : []))

describe('gemini stream', () => {
  const chunk = (parts: unknown[], finishReason?: string, usageMetadata: object = { promptTokenCount: 9, totalTokenCount: 9 }) => ({
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
    usageMetadata,
    modelVersion: 'gemini-2.5-flash',
    responseId: 'r1',
  })

  it('emits the role first, text and thought deltas, the finish, then ONE usage chunk from the last usage and done', () => {
    const { events, end } = sse(
      chunk([{ text: 'Hmm', thought: true }]),
      chunk([{ text: 'Hel' }]),
      chunk([{ text: 'lo' }], 'STOP', { promptTokenCount: 9, cachedContentTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 40, totalTokenCount: 51 }),
    )
    expect(deltas(events)).toEqual([
      { delta: { role: 'assistant', content: '' }, finish: null },
      { delta: { reasoning_content: 'Hmm' }, finish: null },
      { delta: { content: 'Hel' }, finish: null },
      { delta: { content: 'lo' }, finish: null },
      { delta: {}, finish: 'stop' },
    ])
    for (const e of events) expect(e).toMatchObject({ kind: 'chunk', chunk: { id: 'chatcmpl-r1', object: 'chat.completion.chunk', model: 'gemini-2.5-flash' } })
    expect(end).toEqual([
      {
        kind: 'chunk',
        chunk: expect.objectContaining({ id: 'chatcmpl-r1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 42, total_tokens: 51, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 40 } } }),
        usage: { inputTokens: 9, outputTokens: 42, cachedTokens: 4, reasoningTokens: 40 },
      },
      { kind: 'done' },
    ])
  })

  it('gives each of parallel calls its own tool_calls index, whole, and finishes with tool_calls', () => {
    const { events } = sse(chunk([{ functionCall: { name: 'f', args: { city: 'Paris' } } }, { functionCall: { name: 'f', args: { city: 'Rome' } } }], 'STOP'))
    const d = deltas(events)
    expect(d[1].delta.tool_calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'f', arguments: '{"city":"Paris"}' } }])
    expect(d[2].delta.tool_calls).toEqual([{ index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'f', arguments: '{"city":"Rome"}' } }])
    expect(d.at(-1)).toEqual({ delta: {}, finish: 'tool_calls' })
  })

  it('streams several candidates (n) as choices by index, complete only when every one finished', () => {
    const two = (parts: unknown[], finishReason?: string) => ({ ...chunk(parts, finishReason), candidates: [0, 1].map((index) => ({ content: { role: 'model', parts }, index, ...(finishReason ? { finishReason } : {}) })) })
    const t = chat.openStream(config)
    const events = [...t.next(JSON.stringify(two([{ text: 'a' }]))), ...t.next(JSON.stringify(chunk([{ text: 'b' }], 'STOP')))]
    const byChoice = events.flatMap((e) => (e.kind === 'chunk' ? e.chunk.choices.map((c) => [c.index, c.delta.role ?? c.delta.content ?? c.finish_reason]) : []))
    expect(byChoice).toEqual([[0, 'assistant'], [0, 'a'], [1, 'assistant'], [1, 'a'], [0, 'b'], [0, 'stop']])
    // Candidate 1 never finished: the stream is cut, not complete.
    expect(t.end()).toEqual([])
  })

  it('owes nothing at the end of a stream that never finished: the gateway sees it cut', () => {
    expect(sse(chunk([{ text: 'Hel' }])).end).toEqual([])
    expect(sse().end).toEqual([])
  })

  it('turns an error chunk into an error event, and a blocked prompt into a content_filter finish', () => {
    expect(sse({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }).events).toEqual([{ kind: 'error', message: 'Internal error' }])
    const blocked = sse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 } })
    expect(deltas(blocked.events)).toEqual([{ delta: { role: 'assistant', content: '' }, finish: null }, { delta: {}, finish: 'content_filter' }])
    expect(blocked.end.map((e) => e.kind)).toEqual(['chunk', 'done'])
  })

  it('streams generated images and a MAX_TOKENS cut as length', () => {
    const { events } = sse(chunk([{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }], 'MAX_TOKENS'))
    expect(deltas(events).slice(1)).toEqual([{ delta: { images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }, finish: null }, { delta: {}, finish: 'length' }])
  })

  it('throws on an event it cannot read', () => {
    expect(() => chat.openStream(config).next('{"candidates": [')).toThrow()
  })
})

describe('gemini pricing (Google\'s published rates)', () => {
  it('gemini-2.5-flash: thoughts billed once, as output; cached content at the cache rate', () => {
    // $0.30 / 1M input, $0.03 / 1M cache read, $2.50 / 1M output (thoughts included).
    const usage = geminiUsage({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 500, thoughtsTokenCount: 100, totalTokenCount: 1600 })!
    const cost = priceTextUsage(resolveTextModel('google', 'gemini-2.5-flash'), fromTextUsage(usage))
    // 200 × 0.30 + 800 × 0.03 = 84 µ$; 600 × 2.50 = 1,500 µ$.
    expect(cost).toMatchObject({ costStatus: 'priced', inputCost: '0.000084', outputCost: '0.0015', totalCost: '0.001584' })
  })

  it('gemini-2.5-flash-image: image tokens at $30 / 1M, text output at $2.50 / 1M', () => {
    const usage = geminiUsage({ promptTokenCount: 1000, candidatesTokenCount: 1790, totalTokenCount: 2790, candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 500 }, { modality: 'IMAGE', tokenCount: 1290 }] })!
    const cost = priceTextUsage(resolveTextModel('google', 'gemini-2.5-flash-image'), fromTextUsage(usage))
    // 1,000 × 0.30 = 300 µ$; 500 × 2.50 + 1,290 × 30 = 1,250 + 38,700 µ$ (one image = $0.0387).
    expect(cost).toMatchObject({ costStatus: 'priced', inputCost: '0.0003', outputCost: '0.03995', totalCost: '0.04025' })
  })
})

describe('gemini errors', () => {
  const body = (error: unknown) => ({ json: { error }, contentType: 'application/json', headers: new Headers() })
  it('knows its bad-key 400 is the gateway\'s key refused, not the caller\'s request', () => {
    const badKey = body({ code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] })
    expect(gemini.rejectsKey!(400, badKey)).toBe(true)
    expect(gemini.rejectsKey!(400, body({ code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload' }))).toBe(false)
  })
  it('reads a 429\'s wait from its RetryInfo detail, in whole seconds', () => {
    const retry = (delay: unknown) => body({ code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay }] })
    expect(gemini.retryAfter!(retry('7s'))).toBe(7)
    expect(gemini.retryAfter!(retry('1.2s'))).toBe(2)
    expect(gemini.retryAfter!(retry('soon'))).toBeUndefined()
    expect(gemini.retryAfter!(body({ code: 429 }))).toBeUndefined()
  })
})
