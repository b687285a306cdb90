import { describe, expect, it } from 'vitest'
import { toChatRequest, toResponse, toResponsesUsage, type ResponseFrame } from '@/lib/protocols/openai-responses'
import type { ResponsesRequest } from '@/lib/protocols/openai-responses-schema'
import type { ChatCompletion } from '@/lib/providers/types'
import { UntranslatableError } from '@/lib/providers/types'

const refusal = (request: Record<string, unknown>) => {
  try {
    toChatRequest({ model: 'm', input: 'Hi', ...request } as ResponsesRequest, 'claude-sonnet-4-5')
  } catch (error) {
    expect(error).toBeInstanceOf(UntranslatableError)
    return { param: (error as UntranslatableError).param, message: (error as Error).message }
  }
  throw new Error('not refused')
}

describe('toChatRequest', () => {
  it('turns instructions, a string input and the options into a chat request', () => {
    const { body, ignored } = toChatRequest(
      {
        model: 'claude-sonnet-4-5',
        instructions: 'Be brief.',
        input: 'Hi',
        max_output_tokens: 300,
        temperature: 0.5,
        top_p: 0.9,
        reasoning: { effort: 'low', summary: 'auto' },
        text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
        store: true,
        metadata: { a: 'b' },
        stream: true,
      },
      'claude-sonnet-4-5',
    )
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      verbosity: 'low',
      reasoning_effort: 'low',
      max_completion_tokens: 300,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
    })
    // store: true cannot be honoured (the answer says store: false); said, never silently dropped.
    expect(ignored.sort()).toEqual(['metadata', 'reasoning.summary', 'store'])
  })

  it('translates message items with text and images, function calls and their outputs, and flat function tools', () => {
    const { body } = toChatRequest(
      {
        model: 'gemini-2.5-flash',
        input: [
          { role: 'developer', content: 'Use tools.' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }, { type: 'input_image', image_url: 'https://x.test/a.png', detail: 'low' }] },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
          { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
          { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '{"temp":17}' }] },
          { role: 'assistant', content: [{ type: 'output_text', text: 'Paris 21, Rome 17.' }] },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true }],
        tool_choice: { type: 'function', name: 'get_weather' },
      },
      'gemini-2.5-flash',
    )
    expect(body.messages).toEqual([
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'low' } }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"temp":17}' },
      { role: 'assistant', content: 'Paris 21, Rome 17.' },
      { role: 'user', content: 'Thanks' },
    ])
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true } }])
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } })
  })

  it('refuses what another vendor cannot do, naming the field', () => {
    expect(refusal({ previous_response_id: 'resp_1' })).toMatchObject({ param: 'previous_response_id' })
    expect(refusal({ tools: [{ type: 'web_search' }] })).toMatchObject({ param: 'tools.0.type', message: expect.stringContaining('web_search') })
    expect(refusal({ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] })).toMatchObject({ param: 'tools.0.type' })
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] }] })).toMatchObject({ param: 'input.0.content.0.type' })
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] })).toMatchObject({ param: 'input.0.content.0.image_url' })
    expect(refusal({ input: [{ type: 'item_reference', id: 'msg_1' }] })).toMatchObject({ param: 'input.0.type' })
    expect(refusal({ tool_choice: { type: 'web_search_preview' } })).toMatchObject({ param: 'tool_choice' })
    expect(refusal({ background: true })).toMatchObject({ param: 'background' })
    expect(refusal({ truncation: 'auto' })).toMatchObject({ param: 'truncation' })
  })
})

describe('toResponse', () => {
  const frame: ResponseFrame = { id: 'resp_abc', model: 'claude-sonnet-4-5', createdAt: 1, request: { model: 'claude-sonnet-4-5', input: 'Hi', max_output_tokens: 50 } }
  const completion = (message: Record<string, unknown>, finish = 'stop'): ChatCompletion => ({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
  })
  const usage = { inputTokens: 1000, outputTokens: 500, cachedTokens: 800, reasoningTokens: 100 }

  it('makes reasoning, message and function_call items, and Responses usage', () => {
    const r = toResponse(
      completion({ content: 'Checking.', reasoning_content: 'Hmm.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] }, 'tool_calls'),
      frame,
      usage,
    )
    expect(r).toMatchObject({ id: 'resp_abc', object: 'response', status: 'completed', store: false, model: 'claude-sonnet-4-5', max_output_tokens: 50, incomplete_details: null })
    expect(r.output).toEqual([
      { id: 'rs_abc', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm.' }] },
      { id: 'msg_abc', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [], logprobs: [] }] },
      { id: 'fc_abc_0', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'w', arguments: '{}' },
    ])
    expect(r.usage).toEqual({ input_tokens: 1000, input_tokens_details: { cached_tokens: 800 }, output_tokens: 500, output_tokens_details: { reasoning_tokens: 100 }, total_tokens: 1500 })
  })

  it('says a capped answer is incomplete for max_output_tokens', () => {
    expect(toResponse(completion({ content: 'Hel' }, 'length'), frame, usage)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
  })

  it('maps usage with cached and reasoning tokens inside their totals', () => {
    expect(toResponsesUsage({ inputTokens: 10, outputTokens: 5, cachedTokens: 0, reasoningTokens: 0 }).total_tokens).toBe(15)
  })
})
