// The Gemini adapter's request half: OpenAI chat requests translated to generateContent, and
// refused (400 naming the field) where Gemini has no equivalent.
import { describe, expect, it } from 'vitest'
import { gemini } from '@/lib/providers/gemini'
import { UntranslatableError, type ChatRequestBody } from '@/lib/providers/types'

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
