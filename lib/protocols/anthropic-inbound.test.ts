import { describe, expect, it } from 'vitest'
import { validate } from '@/lib/http/body'
import { toAnthropicMessage, toAnthropicUsage, toChatRequest } from '@/lib/protocols/anthropic-inbound'
import { CountTokensRequestSchema, MessagesRequestSchema, type MessagesRequest } from '@/lib/protocols/anthropic-inbound-schema'
import { anthropicErrorBody, anthropicErrorType } from '@/lib/protocols/anthropic-errors'
import { mergeAnthropicUsage } from '@/lib/protocols/anthropic-usage'
import { anthropicUsage } from '@/lib/providers/anthropic'
import { UntranslatableError, type ChatCompletion } from '@/lib/providers/types'

const request = (body: Record<string, unknown>): MessagesRequest =>
  validate(MessagesRequestSchema, { model: 'claude-sonnet-4-5', max_tokens: 300, messages: [{ role: 'user', content: 'Hi' }], ...body })

function refusal(body: Record<string, unknown>): UntranslatableError {
  try {
    toChatRequest(request(body), 'gpt-4o')
  } catch (error) {
    if (error instanceof UntranslatableError) return error
    throw error
  }
  throw new Error('translated, but expected a refusal')
}

describe('the Anthropic request schema', () => {
  it('requires max_tokens and names the field at fault', () => {
    expect(() => validate(MessagesRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'x' }] })).toThrow(/^max_tokens: is required/)
    expect(() => validate(MessagesRequestSchema, { model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] })).toThrow(/^max_tokens: must be at least 1/)
    expect(() => validate(MessagesRequestSchema, { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] })).toThrow(/^messages\.0\.role: must be user or assistant/)
    expect(() => validate(MessagesRequestSchema, { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], temperature: 1.5 })).toThrow(/^temperature: must be between 0 and 1/)
  })

  it('wants a thinking budget below max_tokens', () => {
    expect(() => request({ thinking: { type: 'enabled', budget_tokens: 300 } })).toThrow(/^thinking\.budget_tokens:/)
    expect(request({ thinking: { type: 'enabled', budget_tokens: 299 } }).thinking).toEqual({ type: 'enabled', budget_tokens: 299 })
  })

  it('takes count_tokens bodies without max_tokens', () => {
    expect(validate(CountTokensRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'x' }] }).model).toBe('m')
  })
})

describe('toChatRequest', () => {
  it('translates system, turns, sampling, stop sequences and the output cap', () => {
    const { body, ignored } = toChatRequest(
      request({ system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be kind.' }], stop_sequences: ['END'], temperature: 0.2, top_p: 0.9, stream: true, metadata: { user_id: 'u-1' } }),
      'gpt-4o',
    )
    expect(body).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.\n\nBe kind.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 300,
      stop: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
    })
    expect(ignored.sort()).toEqual(['cache_control', 'metadata'])
  })

  it('translates images, tools, tool choice, tool calls and tool results in OpenAI order', () => {
    const { body } = toChatRequest(
      request({
        tools: [{ name: 'weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }, { type: 'text', text: 'And Rome?' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'down', is_error: true }] },
        ],
      }),
      'gpt-4o',
    )
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'user', content: 'And Rome?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: down' },
    ])
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }])
    expect(body.tool_choice).toBe('required')
    expect(body.parallel_tool_calls).toBe(false)
    expect(toChatRequest(request({ tools: [{ name: 'w' }], tool_choice: { type: 'tool', name: 'w' } }), 'm').body.tool_choice).toEqual({ type: 'function', function: { name: 'w' } })
    expect(toChatRequest(request({ tools: [{ name: 'w' }], tool_choice: { type: 'none' } }), 'm').body.tool_choice).toBe('none')
  })

  it('refuses what another vendor cannot do, naming the field', () => {
    expect(refusal({ thinking: { type: 'enabled', budget_tokens: 100 } }).param).toBe('thinking')
    expect(refusal({ top_k: 5 }).param).toBe('top_k')
    expect(refusal({ service_tier: 'auto' }).param).toBe('service_tier')
    expect(refusal({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).param).toBe('tools.0.type')
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'x' } }] }] }).param).toBe('messages.0.content.0.type')
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }).param).toBe('messages.0.content.0.source')
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }] }, { role: 'user', content: 'y' }] }).param).toBe('messages.1.content.0.type')
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: '{' }] }).param).toBe('messages.1')
    expect(refusal({ tools: [{ name: 'w' }], tool_choice: { type: 'tool' } }).param).toBe('tool_choice.name')
    // Disabled thinking asks for nothing: it translates.
    expect(toChatRequest(request({ thinking: { type: 'disabled' } }), 'm').body).not.toHaveProperty('thinking')
  })
})

describe('answers', () => {
  const completion = (message: Record<string, unknown>, finish: string): ChatCompletion => ({
    id: 'c',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
  })
  const usage = { inputTokens: 1000, outputTokens: 500, cachedTokens: 800, reasoningTokens: 100 }

  it('turns a completion into a Message: text, tool_use, stop reason and Anthropic-counted usage', () => {
    const message = toAnthropicMessage(completion({ content: 'Both.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] }, 'tool_calls'), {
      id: 'msg_1',
      model: 'gpt-4o',
      usage,
    })
    expect(message).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [
        { type: 'text', text: 'Both.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 200, output_tokens: 500, cache_creation_input_tokens: 0, cache_read_input_tokens: 800, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } },
    })
    expect(toAnthropicMessage(completion({ content: 'cut' }, 'length'), { id: 'm', model: 'x', usage }).stop_reason).toBe('max_tokens')
    expect(toAnthropicMessage(completion({ content: 'ok' }, 'stop'), { id: 'm', model: 'x', usage }).stop_reason).toBe('end_turn')
    expect(toAnthropicMessage(completion({ refusal: 'No.' }, 'stop'), { id: 'm', model: 'x', usage })).toMatchObject({ content: [{ type: 'text', text: 'No.' }], stop_reason: 'refusal' })
    expect(() => toAnthropicMessage(completion({ tool_calls: [{ id: 'c', function: { name: 'w', arguments: '{broken' } }] }, 'tool_calls'), { id: 'm', model: 'x', usage })).toThrow(/not JSON/)
  })

  it('says Anthropic-read usage back in Anthropic counting, cache writes by TTL', () => {
    const raw = { input_tokens: 21, cache_creation_input_tokens: 5000, cache_read_input_tokens: 800, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 }, output_tokens: 310 }
    expect(toAnthropicUsage(anthropicUsage(raw)!)).toEqual({ input_tokens: 21, output_tokens: 310, cache_creation_input_tokens: 5000, cache_read_input_tokens: 800, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 } })
  })

  it('gathers a stream usage: message_start, then message_delta counts that are not null', () => {
    const started = mergeAnthropicUsage(null, { input_tokens: 21, cache_read_input_tokens: 800, output_tokens: 1 })
    expect(mergeAnthropicUsage(started, { output_tokens: 310, input_tokens: null, cache_creation_input_tokens: 5000 })).toEqual({ input_tokens: 21, cache_read_input_tokens: 800, cache_creation_input_tokens: 5000, output_tokens: 310 })
    expect(mergeAnthropicUsage(started, undefined)).toBe(started)
  })
})

describe('errors in Anthropic shape', () => {
  it('names each status as Anthropic does and keeps Tollgate code in details', () => {
    expect([400, 401, 403, 404, 413, 429, 500, 502, 503, 504].map(anthropicErrorType)).toEqual([
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'api_error',
      'overloaded_error',
      'timeout_error',
    ])
    expect(anthropicErrorBody({ status: 429, code: 'rate_limited', message: 'slow down', extra: { limit: 20 } }, 'req_1')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down', details: { error_code: 'rate_limited', limit: 20 } },
      request_id: 'req_1',
    })
  })
})
