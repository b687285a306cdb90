import { describe, expect, it } from 'vitest'
import { openResponsesStream, type ResponsesEvent } from '@/lib/protocols/openai-responses-stream'
import type { ChatChunk } from '@/lib/providers/types'

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })
const types = (events: ResponsesEvent[]) => events.map((e) => e.type)
const frame = { id: 'resp_x', model: 'gemini-2.5-flash', createdAt: 1, request: { model: 'gemini-2.5-flash', input: 'Hi' } }
const usage = { inputTokens: 1000, outputTokens: 500, cachedTokens: 0, reasoningTokens: 100 }

describe('openResponsesStream', () => {
  it('says reasoning, text and tool calls as Responses items, in order, with increasing sequence numbers', () => {
    const t = openResponsesStream(frame)
    const events = [
      ...t.start(),
      ...t.chunk(chunk({ role: 'assistant', content: '' })),
      ...t.chunk(chunk({ reasoning_content: 'Thinking.' })),
      ...t.chunk(chunk({ content: 'Checking' })),
      ...t.chunk(chunk({ content: ' both.' })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'w', arguments: '' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'w', arguments: '{}' } }] })),
      ...t.chunk(chunk({}, 'tool_calls')),
      ...t.finish(usage),
    ]
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    expect(events[0]).toMatchObject({ response: { id: 'resp_x', status: 'in_progress', output: [], usage: null } })
    expect(events.find((e) => e.type === 'response.output_text.done')).toMatchObject({ item_id: 'msg_x_1', output_index: 1, content_index: 0, text: 'Checking both.' })
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ output_index: 2, name: 'w', arguments: '{"city":"Paris"}' })
    const done = events.at(-1)!.response as { status: string; output: { type: string; call_id?: string }[]; usage: unknown }
    expect(done.status).toBe('completed')
    expect(done.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call'])
    expect(done.output[3].call_id).toBe('call_2')
    expect(done.usage).toEqual({ input_tokens: 1000, input_tokens_details: { cached_tokens: 0 }, output_tokens: 500, output_tokens_details: { reasoning_tokens: 100 }, total_tokens: 1500 })
  })

  it('ends a capped answer with response.incomplete', () => {
    const t = openResponsesStream(frame)
    const events = [...t.start(), ...t.chunk(chunk({ content: 'Hel' })), ...t.chunk(chunk({}, 'length')), ...t.finish(usage)]
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } })
  })

  it('refuses tool arguments that arrive interleaved, and says errors as OpenAI error events', () => {
    const t = openResponsesStream(frame)
    t.start()
    t.chunk(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'w', arguments: '' } }] }))
    t.chunk(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'w', arguments: '' } }] }))
    expect(() => t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }))).toThrow(/interleaved/)
    expect(t.error({ code: 'upstream_error', message: 'boom' })).toEqual([{ type: 'error', sequence_number: 6, code: 'upstream_error', message: 'boom', param: null }])
  })
})
