import { describe, expect, it } from 'vitest'
import { openAnthropicStream, type AnthropicEvent } from '@/lib/protocols/anthropic-inbound-stream'
import type { ChatChunk } from '@/lib/providers/types'

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })
const names = (events: AnthropicEvent[]) => events.map((e) => e.event)

describe('openAnthropicStream', () => {
  it('says text and parallel tool calls as Anthropic blocks, then the stop reason and whole usage', () => {
    const t = openAnthropicStream({ id: 'msg_1', model: 'gpt-4o', promptTokens: 42 })
    const events = [
      ...t.start(),
      ...t.chunk(chunk({ role: 'assistant', content: '' })),
      ...t.chunk(chunk({ content: 'Checking' })),
      ...t.chunk(chunk({ content: ' both.' })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })),
      ...t.chunk(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } }] })),
      ...t.chunk(chunk({}, 'tool_calls')),
      ...t.finish({ inputTokens: 1000, outputTokens: 500, cachedTokens: 800, reasoningTokens: 0 }),
    ]
    expect(names(events)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    for (const e of events) expect(e.data.type).toBe(e.event)
    expect(events[0].data.message).toMatchObject({ id: 'msg_1', model: 'gpt-4o', role: 'assistant', content: [], usage: { input_tokens: 42, output_tokens: 0 } })
    expect(events[1].data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    expect(events[3].data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' both.' } })
    expect(events[5].data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'weather', input: {} } })
    expect(events[7].data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } })
    expect(events[9].data).toMatchObject({ index: 2, content_block: { id: 'call_2' } })
    expect(events[11].data).toEqual({ type: 'content_block_stop', index: 2 })
    expect(events[12].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 200, output_tokens: 500, cache_read_input_tokens: 800, cache_creation_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } },
    })
  })

  it('maps a length cut to max_tokens and an empty answer to no block at all', () => {
    const cut = openAnthropicStream({ id: 'm', model: 'x', promptTokens: 1 })
    const events = [...cut.chunk(chunk({ content: 'a' })), ...cut.chunk(chunk({}, 'length')), ...cut.finish({ inputTokens: 1, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0 })]
    expect(events.at(-2)!.data.delta).toEqual({ stop_reason: 'max_tokens', stop_sequence: null })
    const empty = openAnthropicStream({ id: 'm', model: 'x', promptTokens: 1 })
    expect(names([...empty.chunk(chunk({}, 'stop')), ...empty.finish({ inputTokens: 1, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 })])).toEqual(['message_delta', 'message_stop'])
  })

  it('refuses interleaved arguments of parallel calls, which Anthropic blocks cannot say', () => {
    const t = openAnthropicStream({ id: 'm', model: 'x', promptTokens: 1 })
    t.chunk(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'w', arguments: '' } }] }))
    t.chunk(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'w', arguments: '' } }] }))
    expect(() => t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }))).toThrow(/interleaved/)
  })
})
