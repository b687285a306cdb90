// The Gemini chat adapter: OpenAI requests translated to generateContent (and refused where
// Gemini has no equivalent), answers and SSE streams translated back, usage normalised and
// priced at Google's published rates.
import { describe, expect, it } from 'vitest'
import { gemini, geminiUsage } from '@/lib/providers/gemini'
import { fromTextUsage, priceTextUsage, resolveTextModel } from '@/lib/pricing/text'
import { UntranslatableError, type ChatRequestBody, type StreamEvent } from '@/lib/providers/types'

const chat = gemini.chat!
const config = { apiKey: 'gk-secret', baseUrl: 'https://generativelanguage.googleapis.com' }
const req = (over: Partial<ChatRequestBody> = {}): ChatRequestBody => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], ...over })
const sent = (over: Partial<ChatRequestBody> = {}) => JSON.parse(chat.buildRequest(req(over), config).body as string)
const refusal = (over: Partial<ChatRequestBody>): UntranslatableError => {
  try {
    chat.buildRequest(req(over), config)
  } catch (error) {
    if (error instanceof UntranslatableError) return error
    throw error
  }
  throw new Error('not refused')
}
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }

describe('gemini request', () => {
  it('posts to generateContent, or the SSE stream, with the key in x-goog-api-key and never in the URL', () => {
    const call = chat.buildRequest(req(), config)
    expect(call).toMatchObject({ method: 'POST', url: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', headers: { 'x-goog-api-key': 'gk-secret' } })
    const stream = chat.buildRequest(req({ stream: true, stream_options: { include_usage: true } }), config)
    expect(stream.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    for (const c of [call, stream]) expect(c.url).not.toContain('gk-secret')
    expect(JSON.parse(stream.body as string)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] })
  })

  it('moves system and developer messages to systemInstruction and merges consecutive turns of a role', () => {
    const body = sent({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'One' },
        { role: 'user', content: 'Two' },
        { role: 'assistant', content: 'Un, deux' },
        { role: 'user', content: 'Three' },
      ],
    })
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] })
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
      { role: 'model', parts: [{ text: 'Un, deux' }] },
      { role: 'user', parts: [{ text: 'Three' }] },
    ])
  })

  it('sends images as inlineData (data: URLs) or fileData (HTTPS, type from the extension), audio and PDFs inline', () => {
    const body = sent({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=large' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ],
      }],
    })
    expect(body.contents[0].parts).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ])
  })

  it.each([
    ['https://example.com/image', /extension/],
    ['http://example.com/cat.png', /HTTPS/],
    ['data:image/png,rawbytes', /base64/],
    ['not a url', /data: URL nor an absolute URL/],
  ])('refuses the image %s, naming the field', (url, why) => {
    const error = refusal({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url } }] }] })
    expect(error.param).toBe('messages[0].content[1].image_url.url')
    expect(error.message).toMatch(why)
  })

  it('refuses content parts, roles and names Gemini cannot carry', () => {
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }).param).toBe('messages[0].content[0].file')
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }).param).toBe('messages[0].content[0].type')
    expect(refusal({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }, { role: 'user', content: 'x' }] }).param).toBe('messages[0].content[0].type')
    expect(refusal({ messages: [{ role: 'function', name: 'f', content: 'x' }] }).param).toBe('messages[0].role')
    expect(refusal({ messages: [{ role: 'user', name: 'alice', content: 'x' }] }).param).toBe('messages[0].name')
    expect(refusal({ messages: [{ role: 'system', content: 'only a system prompt' }] }).param).toBe('messages')
  })

  it('declares tools with plain JSON Schema and maps tool_choice to functionCallingConfig', () => {
    const body = sent({ tools: [weather] })
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Weather now', parametersJsonSchema: weather.function.parameters }] }])
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } })
    expect(sent({ tools: [weather], tool_choice: 'none' }).toolConfig.functionCallingConfig).toEqual({ mode: 'NONE' })
    expect(sent({ tools: [weather], tool_choice: 'required' }).toolConfig.functionCallingConfig).toEqual({ mode: 'ANY' })
    expect(sent({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolConfig.functionCallingConfig).toEqual({ mode: 'ANY', allowedFunctionNames: ['get_weather'] })
    // strict asks for arguments held to the schema: Gemini's VALIDATED mode.
    const strict = { ...weather, function: { ...weather.function, strict: true } }
    expect(sent({ tools: [strict] }).toolConfig.functionCallingConfig).toEqual({ mode: 'VALIDATED' })
    expect(refusal({ tools: [{ type: 'custom', custom: { name: 'x' } }] }).param).toBe('tools[0].type')
    expect(refusal({ tools: [weather], tool_choice: { type: 'allowed_tools', allowed_tools: {} } }).param).toBe('tool_choice')
  })

  it('replays tool calls as functionCall parts (with their thought signature) and results as functionResponse named by the call', () => {
    const body = sent({
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'sig-1' } } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'Sunny' },
      ],
    })
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-1' }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
      // Both results in ONE user turn, as Gemini wants the answers to parallel calls.
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: { temp: 21 } } } }, { functionResponse: { name: 'get_weather', response: { output: 'Sunny' } } }] },
    ])
  })

  it('refuses unparseable arguments and tool results that answer no call', () => {
    const call = (args: string) => ({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] })
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, call('{"city":')] }).param).toBe('messages[1].tool_calls[0].function.arguments')
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, call('[1,2]')] }).param).toBe('messages[1].tool_calls[0].function.arguments')
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, call('{}'), { role: 'tool', tool_call_id: 'other', content: '1' }] }).param).toBe('messages[2].tool_call_id')
  })

  it('translates structured output, stop, sampling, max tokens, n and reasoning effort', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] }
    const body = sent({
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } },
      stop: 'END',
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      max_tokens: 100,
      max_completion_tokens: 200,
      n: 2,
      reasoning_effort: 'medium',
      user: 'u-1',
      metadata: { a: 'b' },
    })
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
      stopSequences: ['END'],
      temperature: 0.2,
      topP: 0.9,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      maxOutputTokens: 200,
      candidateCount: 2,
      thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
    })
    expect(sent({ response_format: { type: 'json_object' }, stop: ['a', 'b'] }).generationConfig).toEqual({ responseMimeType: 'application/json', stopSequences: ['a', 'b'] })
    expect(sent({ max_tokens: 50 }).generationConfig).toEqual({ maxOutputTokens: 50 })
    expect(sent({ reasoning_effort: 'none' }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } })
    expect(sent({ model: 'gemini-3-pro-preview', reasoning_effort: 'low' }).generationConfig).toEqual({ thinkingConfig: { thinkingLevel: 'LOW', includeThoughts: true } })
    expect(refusal({ model: 'gemini-3-pro-preview', reasoning_effort: 'none' }).param).toBe('reasoning_effort')
    expect(refusal({ response_format: { type: 'json_schema', json_schema: { name: 'a' } } }).param).toBe('response_format.json_schema.schema')
  })

  it.each([
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
    ['prediction', { prediction: { type: 'content', content: 'x' } }],
    ['parallel_tool_calls', { parallel_tool_calls: false, tools: [weather] }],
    ['store', { store: true }],
    ['service_tier', { service_tier: 'flex' }],
    ['functions', { functions: [weather.function] }],
    ['web_search_options', { web_search_options: {} }],
    ['verbosity', { verbosity: 'low' }],
    ['reasoning_effort', { reasoning_effort: 'xhigh' }],
    ['temperature', { temperature: 'hot' }],
  ])('refuses %s with a 400 naming it', (param, over) => {
    expect(refusal(over as Partial<ChatRequestBody>).param).toBe(param)
  })

  it('accepts the harmless spellings of refused fields', () => {
    const body = sent({ logprobs: false, top_logprobs: 0, logit_bias: {}, modalities: ['text'], store: false, service_tier: 'auto', parallel_tool_calls: true, tools: [weather], stop: null })
    expect(body.generationConfig).toBeUndefined()
    expect(sent({ parallel_tool_calls: false }).tools).toBeUndefined()
  })
})

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
