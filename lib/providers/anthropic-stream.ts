// Anthropic's event stream → OpenAI chat chunks, as OpenAI would send them: the role first,
// content / tool-call / reasoning deltas, one chunk with finish_reason, one usage-only chunk,
// then done. Anthropic numbers content blocks across kinds; OpenAI numbers tool calls alone,
// so the translator keeps the map between them.
import { anthropicUsage, finishReason, openAIUsageOf, type AnthropicUsage } from '@/lib/providers/anthropic-response'
import type { ChatChunk, ChatStreamTranslator, StreamEvent } from '@/lib/providers/types'

type Block = { type: string; id?: string; name?: string; text?: string; thinking?: string; data?: string }
type Event = {
  type: string
  message?: { id?: string; model?: string; usage?: AnthropicUsage }
  index?: number
  content_block?: Block
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string; stop_reason?: string | null }
  usage?: AnthropicUsage
  error?: { type?: string; message?: string }
}

/** Later usage reports are cumulative and may leave fields null: a non-null count replaces the earlier one. */
function mergeUsage(into: AnthropicUsage, from: AnthropicUsage | undefined): AnthropicUsage {
  if (!from) return into
  const out: Record<string, unknown> = { ...into }
  for (const [key, value] of Object.entries(from)) if (value !== null && value !== undefined) out[key] = value
  return out as AnthropicUsage
}

export function openAnthropicStream(): ChatStreamTranslator {
  let id = ''
  let model = ''
  const created = Math.floor(Date.now() / 1000)
  let usage: AnthropicUsage = {}
  let stop: string | null = null
  let finished = false
  /** Anthropic block index → what that block is, and its tool-call index for tool_use blocks. */
  const blocks = new Map<number, { type: string; toolIndex?: number; thinking: string; signature: string }>()
  let tools = 0

  const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): StreamEvent => ({
    kind: 'chunk',
    chunk: { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  })

  const start = (index: number, block: Block): StreamEvent[] => {
    const state = { type: block.type, thinking: block.thinking ?? '', signature: '', toolIndex: undefined as number | undefined }
    blocks.set(index, state)
    if (block.type === 'text') return block.text ? [chunk({ content: block.text })] : []
    if (block.type === 'thinking') return block.thinking ? [chunk({ reasoning_content: block.thinking })] : []
    if (block.type === 'redacted_thinking') return [chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data ?? '' }] })]
    if (block.type === 'tool_use') {
      state.toolIndex = tools++
      return [chunk({ tool_calls: [{ index: state.toolIndex, id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: '' } }] })]
    }
    return []
  }

  const delta = (index: number, d: NonNullable<Event['delta']>): StreamEvent[] => {
    const block = blocks.get(index)
    if (!block) throw new Error(`Anthropic stream: a delta for block ${index}, which never started`)
    switch (d.type) {
      case 'text_delta':
        return d.text ? [chunk({ content: d.text })] : []
      case 'input_json_delta':
        // The first fragment may be empty; OpenAI never sends an empty arguments delta.
        return d.partial_json ? [chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: d.partial_json } }] })] : []
      case 'thinking_delta':
        block.thinking += d.thinking ?? ''
        return d.thinking ? [chunk({ reasoning_content: d.thinking })] : []
      case 'signature_delta':
        block.signature += d.signature ?? ''
        return []
      default:
        // citations_delta and deltas added later carry nothing OpenAI's chunks can hold.
        return []
    }
  }

  /** A finished thinking block, whole and signed, for the caller to send back (see messageOf). */
  const stopBlock = (index: number): StreamEvent[] => {
    const block = blocks.get(index)
    if (block?.type !== 'thinking') return []
    return [chunk({ thinking_blocks: [{ type: 'thinking', thinking: block.thinking, signature: block.signature }] })]
  }

  const finish = (): StreamEvent[] => {
    finished = true
    const normalised = anthropicUsage(usage)
    const events: StreamEvent[] = [chunk({}, finishReason(stop))]
    if (normalised)
      events.push({ kind: 'chunk', chunk: { id, object: 'chat.completion.chunk', created, model, choices: [], usage: openAIUsageOf(normalised) }, usage: normalised })
    events.push({ kind: 'done' })
    return events
  }

  return {
    usageSoFar: () => anthropicUsage(usage),
    next(data) {
      const event = JSON.parse(data) as Event
      if (finished) return []
      switch (event.type) {
        case 'message_start':
          id = event.message?.id ?? ''
          model = event.message?.model ?? ''
          usage = mergeUsage(usage, event.message?.usage)
          return [chunk({ role: 'assistant', content: '' })]
        case 'content_block_start':
          return start(event.index ?? 0, event.content_block ?? { type: 'unknown' })
        case 'content_block_delta':
          return delta(event.index ?? 0, event.delta ?? {})
        case 'content_block_stop':
          return stopBlock(event.index ?? 0)
        case 'message_delta':
          stop = event.delta?.stop_reason ?? stop
          usage = mergeUsage(usage, event.usage)
          return []
        case 'message_stop':
          return finish()
        case 'error':
          return [{ kind: 'error', message: `${event.error?.type ?? 'error'}: ${event.error?.message ?? 'Anthropic stream error'}` }]
        default:
          // ping, and event types Anthropic reserves the right to add.
          return []
      }
    },
    // Without message_stop the stream was cut: nothing is owed, and the gateway reports the cut.
    end: () => [],
  }
}
