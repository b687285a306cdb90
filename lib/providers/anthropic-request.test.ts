// OpenAI chat requests translated to Anthropic's Messages API: every translated field, and
// every field refused by name rather than dropped.
import { describe, expect, it } from 'vitest'
import { anthropic } from '@/lib/providers/anthropic'
import { UntranslatableError, type ChatMessage, type ChatRequestBody } from '@/lib/providers/types'

const config = { apiKey: 'sk-ant-test', baseUrl: 'https://api.anthropic.test/' }
const build = (over: Partial<ChatRequestBody> = {}, messages: ChatMessage[] = [{ role: 'user', content: 'hi' }]) => {
  const call = anthropic.chat!.buildRequest({ model: 'claude-sonnet-4-5', messages, max_completion_tokens: 1000, ...over }, config)
  return { call, body: JSON.parse(call.body as string) as Record<string, unknown> }
}
/** The UntranslatableError a request throws (fails when it throws nothing, or something else). */
function refusal(over: Partial<ChatRequestBody>, messages?: ChatMessage[]): UntranslatableError {
  try {
    build(over, messages)
  } catch (error) {
    if (error instanceof UntranslatableError) return error
    throw error
  }
  throw new Error('the request was translated, not refused')
}

describe('anthropic buildRequest', () => {
  it('posts to /v1/messages with the key, the version and JSON, max_tokens from the caller or 4096', () => {
    const { call, body } = build({ stream: true })
    expect(call).toMatchObject({ method: 'POST', url: 'https://api.anthropic.test/v1/messages', headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' } })
    expect(body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true })
    expect(build({ max_completion_tokens: undefined, max_tokens: 77 }).body.max_tokens).toBe(77)
    expect(build({ max_completion_tokens: undefined }).body).not.toHaveProperty('stream')
    expect(build({ max_completion_tokens: undefined }).body.max_tokens).toBe(4096)
  })

  it('joins system and developer messages, wherever they stand, into the system prompt in order; merges same-role turns', () => {
    const { body } = build({}, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'one' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'text', text: 'two' }] },
      { role: 'assistant', content: 'Oui.' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'three' },
    ])
    expect(body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
    ])
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Oui.' }] },
      { role: 'user', content: [{ type: 'text', text: 'three' }] },
    ])
  })

  it('sends images by https URL or as base64 of the four image types, and a PDF file part as a document', () => {
    const { body } = build({}, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/PNG;base64,iVBORw0KGgo=' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ],
      },
    ])
    expect((body.messages as { content: unknown[] }[])[0].content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ])
  })

  it('refuses images Anthropic cannot take, naming the part', () => {
    const image = (url: string): ChatMessage[] => [{ role: 'system', content: 'x' }, { role: 'user', content: [{ type: 'image_url', image_url: { url } }] }]
    const bmp = refusal({}, image('data:image/bmp;base64,Qk0='))
    expect(bmp.param).toBe('messages[1].content[0].image_url')
    expect(bmp.message).toMatch(/image\/bmp/)
    expect(refusal({}, image('data:image/png,rawbytes')).message).toMatch(/base64/)
    expect(refusal({}, image('http://example.com/cat.jpg')).message).toMatch(/https/)
    expect(refusal({}, [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }]).param).toBe('messages[0].content[0].type')
    expect(refusal({}, [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }]).param).toBe('messages[0].content[0].type')
  })

  const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } }

  it('translates tools, tool_choice and parallel_tool_calls', () => {
    const { body } = build({ tools: [weather, { type: 'function', function: { name: 'now' } }], tool_choice: 'auto' })
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather by city', input_schema: weather.function.parameters, strict: true },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ])
    expect(body.tool_choice).toEqual({ type: 'auto' })
    const choice = (over: Partial<ChatRequestBody>) => build({ tools: [weather], ...over }).body.tool_choice
    expect(choice({ tool_choice: 'required' })).toEqual({ type: 'any' })
    expect(choice({ tool_choice: 'none' })).toEqual({ type: 'none' })
    expect(choice({ tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false })).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true })
    expect(choice({ parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(choice({ parallel_tool_calls: true })).toBeUndefined()
    expect(refusal({ tools: [{ type: 'custom', custom: { name: 'x' } }] }).param).toBe('tools[0].type')
    expect(refusal({ tools: [weather], tool_choice: { type: 'allowed_tools' } }).param).toBe('tool_choice')
  })

  it('replays tool calls as tool_use and parallel tool results as one user turn, in order', () => {
    const { body } = build({ tools: [weather] }, [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        thinking_blocks: [{ type: 'thinking', thinking: 'Two cities.', signature: 'sig' }],
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'Rain' }] },
      { role: 'user', content: 'Thanks. Which is warmer?' },
    ])
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two cities.', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }] },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'Rain' }] },
          { type: 'text', text: 'Thanks. Which is warmer?' },
        ],
      },
    ])
  })

  it('refuses tool calls whose arguments are not a JSON object, and tool results without their call id', () => {
    const call = (args: string): ChatMessage[] => [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }] }]
    expect(refusal({}, call('{"city": Paris}')).param).toBe('messages[1].tool_calls[0].function.arguments')
    expect(refusal({}, call('[1, 2]')).message).toMatch(/object/)
    expect(refusal({}, [{ role: 'tool', content: 'Sunny' }]).param).toBe('messages[0].tool_call_id')
    expect(refusal({}, [{ role: 'function', name: 'f', content: 'x' }]).param).toBe('messages[0].role')
  })

  it('asks for structured output through output_config.format, and refuses schema-less JSON mode', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
    const { body } = build({ response_format: { type: 'json_schema', json_schema: { name: 'reply', strict: true, schema } } })
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(build({ response_format: { type: 'text' } }).body).not.toHaveProperty('output_config')
    expect(refusal({ response_format: { type: 'json_object' } }).param).toBe('response_format')
    expect(refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }).param).toBe('response_format.json_schema.schema')
  })

  it('translates stop, sampling and the end user; refuses a temperature above Anthropic’s 1', () => {
    expect(build({ stop: 'END' }).body.stop_sequences).toEqual(['END'])
    const { body } = build({ stop: ['A', 'B'], temperature: 0.7, top_p: 0.9, top_k: 40, user: 'user-42' })
    expect(body).toMatchObject({ stop_sequences: ['A', 'B'], temperature: 0.7, top_p: 0.9, top_k: 40, metadata: { user_id: 'user-42' } })
    expect(build({ user: 'u', safety_identifier: 'hash-1' }).body.metadata).toEqual({ user_id: 'hash-1' })
    const hot = refusal({ temperature: 1.5 })
    expect([hot.param, hot.message]).toEqual(['temperature', 'Anthropic accepts a temperature between 0 and 1'])
    expect(refusal({ stop: ['\n'] }).param).toBe('stop')
  })

  it('turns reasoning_effort into a thinking budget that must fit under max_tokens', () => {
    expect(build({ reasoning_effort: 'low', max_completion_tokens: 4000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
    expect(build({ reasoning_effort: 'medium', max_completion_tokens: 16_000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 })
    expect(build({ reasoning_effort: 'high', max_completion_tokens: 64_000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 24_576 })
    expect(build({ reasoning_effort: 'none' }).body).not.toHaveProperty('thinking')
    const tight = refusal({ reasoning_effort: 'high', max_completion_tokens: 8000 })
    expect(tight.param).toBe('reasoning_effort')
    expect(tight.message).toMatch(/24576/)
    expect(refusal({ reasoning_effort: 'xhigh' }).param).toBe('reasoning_effort')
    // With no cap (the gateway always sets one), the default leaves room for the answer after the budget.
    expect(build({ reasoning_effort: 'high', max_completion_tokens: undefined }).body).toMatchObject({ max_tokens: 24_576 + 4096, thinking: { budget_tokens: 24_576 } })
    expect(build({ thinking: { type: 'enabled', budget_tokens: 2000 }, max_completion_tokens: 4000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 })
  })

  it.each([
    ['n', 2],
    ['logprobs', true],
    ['top_logprobs', 3],
    ['logit_bias', { '50256': -100 }],
    ['presence_penalty', 0.5],
    ['frequency_penalty', -1],
    ['seed', 7],
    ['modalities', ['text', 'audio']],
    ['audio', { voice: 'alloy', format: 'mp3' }],
    ['prediction', { type: 'content', content: 'x' }],
    ['verbosity', 'low'],
    ['functions', [{ name: 'f' }]],
    ['some_new_option', true],
  ])('refuses %s, which Anthropic has no equivalent for', (field, value) => {
    expect(refusal({ [field]: value }).param).toBe(field)
  })

  it('accepts the neutral values of those fields and ignores what cannot change the answer', () => {
    const { body } = build({ n: 1, logprobs: false, presence_penalty: 0, frequency_penalty: 0, seed: null, logit_bias: {}, modalities: ['text'], store: true, metadata: { tag: 'x' }, service_tier: 'auto', stream_options: { include_usage: true } })
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model'])
  })
})
