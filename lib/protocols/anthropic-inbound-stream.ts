// OpenAI chat chunks → Anthropic's streaming events, for /api/v1/messages on a model whose
// provider speaks another protocol. Stateful (a block opens on its first delta and closes when
// another begins), pure: the gateway feeds it the chunks it would have sent an OpenAI client.
import { toAnthropicUsage, toStopReason, type AnthropicUsage, type StopReason } from '@/lib/protocols/anthropic-inbound'
import type { ChatChunk, TextUsage } from '@/lib/providers/types'

/** One server-sent event of Anthropic's stream: `event: <name>` and its JSON data (whose type repeats the name). */
export type AnthropicEvent = { event: string; data: Record<string, unknown> }

type ToolDelta = { index?: number; id?: string; function?: { name?: string; arguments?: string } }

export type AnthropicStreamTranslator = {
  /** message_start: sent before the first chunk, with the prompt as the gateway counted it (the upstream's count comes at the end). */
  start(): AnthropicEvent[]
  chunk(chunk: ChatChunk): AnthropicEvent[]
  /** The answer is complete: the open block closes, then message_delta (stop reason, whole usage) and message_stop. */
  finish(usage: TextUsage): AnthropicEvent[]
}

export function openAnthropicStream(options: { id: string; model: string; promptTokens: number }): AnthropicStreamTranslator {
  let blocks = 0
  let open: { kind: 'text' } | { kind: 'tool'; toolIndex: number } | null = null
  const toolBlocks = new Set<number>()
  let stop: StopReason | null = null

  const close = (): AnthropicEvent[] => {
    if (!open) return []
    open = null
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index: blocks - 1 } }]
  }
  const begin = (block: Record<string, unknown>, next: NonNullable<typeof open>): AnthropicEvent[] => {
    const events = close()
    open = next
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: blocks++, content_block: block } })
    return events
  }
  const delta = (payload: Record<string, unknown>): AnthropicEvent => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blocks - 1, delta: payload } })

  const text = (piece: string): AnthropicEvent[] => {
    const events = open?.kind === 'text' ? [] : begin({ type: 'text', text: '' }, { kind: 'text' })
    events.push(delta({ type: 'text_delta', text: piece }))
    return events
  }

  const tool = (call: ToolDelta): AnthropicEvent[] => {
    const index = call.index ?? 0
    const events: AnthropicEvent[] = []
    if (!toolBlocks.has(index)) {
      if (!call.id || !call.function?.name) throw new Error('a tool call began without its id and name')
      toolBlocks.add(index)
      events.push(...begin({ type: 'tool_use', id: call.id, name: call.function.name, input: {} }, { kind: 'tool', toolIndex: index }))
    } else if (open?.kind !== 'tool' || open.toolIndex !== index) {
      // Anthropic's blocks cannot reopen: arguments of an earlier call arriving late cannot be said.
      throw new Error('the arguments of parallel tool calls arrived interleaved')
    }
    const args = call.function?.arguments
    if (args) events.push(delta({ type: 'input_json_delta', partial_json: args }))
    return events
  }

  return {
    start: () => [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: options.id,
            type: 'message',
            role: 'assistant',
            model: options.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: options.promptTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
          },
        },
      },
    ],
    chunk(chunk) {
      const events: AnthropicEvent[] = []
      // Anthropic answers once: a second choice (n > 1 is never asked for) is not said.
      const choice = chunk.choices.find((c) => c.index === 0)
      if (!choice) return events
      const { content, refusal, tool_calls: calls } = choice.delta as { content?: string | null; refusal?: string | null; tool_calls?: ToolDelta[] }
      if (typeof content === 'string' && content) events.push(...text(content))
      if (typeof refusal === 'string' && refusal) {
        stop = 'refusal'
        events.push(...text(refusal))
      }
      for (const call of calls ?? []) events.push(...tool(call))
      if (choice.finish_reason) stop ??= toStopReason(choice.finish_reason)
      return events
    },
    finish(usage) {
      const whole: AnthropicUsage = toAnthropicUsage(usage)
      return [
        ...close(),
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop ?? 'end_turn', stop_sequence: null }, usage: whole } },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ]
    },
  }
}

const encoder = new TextEncoder()
/** One event on the wire, as Anthropic frames it. */
export const anthropicFrame = ({ event, data }: AnthropicEvent): Uint8Array => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
