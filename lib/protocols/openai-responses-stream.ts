// OpenAI chat chunks → the Responses API's semantic stream events, for /api/v1/responses on a
// model OpenAI does not serve. Stateful (an item opens on its first delta and is done when
// another begins or the answer ends), pure: the gateway feeds it the chunks it would have sent
// an OpenAI chat client. Every event carries its increasing sequence_number, as OpenAI's do.
import { incompleteReason, responseObject, toResponsesUsage, type ResponseFrame } from '@/lib/protocols/openai-responses'
import type { ChatChunk, TextUsage } from '@/lib/providers/types'

export type ResponsesEvent = { type: string; [field: string]: unknown }

type ToolDelta = { index?: number; id?: string; function?: { name?: string; arguments?: string } }
type Open =
  | { kind: 'reasoning'; index: number; id: string; text: string }
  | { kind: 'message'; index: number; id: string; part: 'output_text' | 'refusal'; parts: Record<string, unknown>[]; text: string }
  | { kind: 'tool'; index: number; id: string; toolIndex: number; callId: string; name: string; args: string }

export type ResponsesStreamTranslator = {
  /** response.created and response.in_progress, before the first chunk. */
  start(): ResponsesEvent[]
  chunk(chunk: ChatChunk): ResponsesEvent[]
  /** The answer is complete: the open item is done, then response.completed (or .incomplete) with the whole usage. */
  finish(usage: TextUsage): ResponsesEvent[]
  /** The chat stream failed mid-way: OpenAI's error event. */
  error(error: { code: string; message: string; param?: string | null }): ResponsesEvent[]
}

export function openResponsesStream(frame: ResponseFrame): ResponsesStreamTranslator {
  let sequence = 0
  const output: Record<string, unknown>[] = []
  let open: Open | null = null
  const toolsSeen = new Set<number>()
  let finish: string | null = null
  const base = frame.id.slice('resp_'.length)
  const event = (type: string, fields: Record<string, unknown> = {}): ResponsesEvent => ({ type, sequence_number: sequence++, ...fields })

  const messagePart = (o: Extract<Open, { kind: 'message' }>) =>
    o.part === 'output_text' ? { type: 'output_text', text: o.text, annotations: [], logprobs: [] } : { type: 'refusal', refusal: o.text }

  /** Ends the message's current content part. */
  const closePart = (o: Extract<Open, { kind: 'message' }>): ResponsesEvent[] => {
    const at = { item_id: o.id, output_index: o.index, content_index: o.parts.length }
    const part = messagePart(o)
    o.parts.push(part)
    const done = o.part === 'output_text' ? event('response.output_text.done', { ...at, text: o.text, logprobs: [] }) : event('response.refusal.done', { ...at, refusal: o.text })
    return [done, event('response.content_part.done', { ...at, part })]
  }

  const close = (): ResponsesEvent[] => {
    if (!open) return []
    const o = open
    open = null
    let item: Record<string, unknown>
    const events: ResponsesEvent[] = []
    if (o.kind === 'reasoning') {
      const part = { type: 'summary_text', text: o.text }
      const at = { item_id: o.id, output_index: o.index, summary_index: 0 }
      events.push(event('response.reasoning_summary_text.done', { ...at, text: o.text }), event('response.reasoning_summary_part.done', { ...at, part }))
      item = { id: o.id, type: 'reasoning', summary: [part] }
    } else if (o.kind === 'message') {
      events.push(...closePart(o))
      item = { id: o.id, type: 'message', status: 'completed', role: 'assistant', content: o.parts }
    } else {
      events.push(event('response.function_call_arguments.done', { item_id: o.id, output_index: o.index, name: o.name, arguments: o.args }))
      item = { id: o.id, type: 'function_call', status: 'completed', call_id: o.callId, name: o.name, arguments: o.args }
    }
    output[o.index] = item
    events.push(event('response.output_item.done', { output_index: o.index, item }))
    return events
  }

  /** Opens a new output item (the one before is done first). */
  const begin = (next: Open, item: Record<string, unknown>): ResponsesEvent[] => {
    const events = close()
    open = next
    output[next.index] = item
    events.push(event('response.output_item.added', { output_index: next.index, item }))
    return events
  }

  const reasoning = (piece: string): ResponsesEvent[] => {
    const events: ResponsesEvent[] = []
    if (open?.kind !== 'reasoning') {
      const id = `rs_${base}_${output.length}`
      events.push(...begin({ kind: 'reasoning', index: output.length, id, text: '' }, { id, type: 'reasoning', summary: [] }))
      events.push(event('response.reasoning_summary_part.added', { item_id: id, output_index: output.length - 1, summary_index: 0, part: { type: 'summary_text', text: '' } }))
    }
    const o = open as unknown as Extract<Open, { kind: 'reasoning' }>
    o.text += piece
    events.push(event('response.reasoning_summary_text.delta', { item_id: o.id, output_index: o.index, summary_index: 0, delta: piece }))
    return events
  }

  const text = (piece: string, part: 'output_text' | 'refusal'): ResponsesEvent[] => {
    const events: ResponsesEvent[] = []
    if (open?.kind !== 'message') {
      const id = `msg_${base}_${output.length}`
      events.push(...begin({ kind: 'message', index: output.length, id, part, parts: [], text: '' }, { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] }))
    } else if (open.part !== part) {
      events.push(...closePart(open))
      open.part = part
      open.text = ''
    } else {
      const o = open
      o.text += piece
      const at = { item_id: o.id, output_index: o.index, content_index: o.parts.length }
      events.push(part === 'output_text' ? event('response.output_text.delta', { ...at, delta: piece, logprobs: [] }) : event('response.refusal.delta', { ...at, delta: piece }))
      return events
    }
    const o = open as unknown as Extract<Open, { kind: 'message' }>
    const at = { item_id: o.id, output_index: o.index, content_index: o.parts.length }
    events.push(event('response.content_part.added', { ...at, part: part === 'output_text' ? { type: 'output_text', text: '', annotations: [], logprobs: [] } : { type: 'refusal', refusal: '' } }))
    o.text += piece
    events.push(part === 'output_text' ? event('response.output_text.delta', { ...at, delta: piece, logprobs: [] }) : event('response.refusal.delta', { ...at, delta: piece }))
    return events
  }

  const tool = (call: ToolDelta): ResponsesEvent[] => {
    const toolIndex = call.index ?? 0
    const events: ResponsesEvent[] = []
    if (!toolsSeen.has(toolIndex)) {
      if (!call.id || !call.function?.name) throw new Error('a tool call began without its id and name')
      toolsSeen.add(toolIndex)
      const id = `fc_${base}_${output.length}`
      const item = { id, type: 'function_call', status: 'in_progress', call_id: call.id, name: call.function.name, arguments: '' }
      events.push(...begin({ kind: 'tool', index: output.length, id, toolIndex, callId: call.id, name: call.function.name, args: '' }, item))
    } else if (open?.kind !== 'tool' || open.toolIndex !== toolIndex) {
      // A done item cannot take more arguments: late fragments of an earlier call cannot be said.
      throw new Error('the arguments of parallel tool calls arrived interleaved')
    }
    const o = open as unknown as Extract<Open, { kind: 'tool' }>
    const args = call.function?.arguments
    if (args) {
      o.args += args
      events.push(event('response.function_call_arguments.delta', { item_id: o.id, output_index: o.index, delta: args }))
    }
    return events
  }

  const snapshot = (status: string, usage: TextUsage | null, incomplete: string | null = null) =>
    responseObject(frame, { status, output: [...output], usage: usage ? toResponsesUsage(usage) : null, incomplete })

  return {
    start: () => [event('response.created', { response: snapshot('in_progress', null) }), event('response.in_progress', { response: snapshot('in_progress', null) })],
    chunk(chunk) {
      const events: ResponsesEvent[] = []
      const choice = chunk.choices.find((c) => c.index === 0)
      if (!choice) return events
      const { content, refusal, reasoning_content: thought, tool_calls: calls } = choice.delta as { content?: string | null; refusal?: string | null; reasoning_content?: unknown; tool_calls?: ToolDelta[] }
      if (typeof thought === 'string' && thought) events.push(...reasoning(thought))
      if (typeof content === 'string' && content) events.push(...text(content, 'output_text'))
      if (typeof refusal === 'string' && refusal) events.push(...text(refusal, 'refusal'))
      for (const call of calls ?? []) events.push(...tool(call))
      if (choice.finish_reason) finish = choice.finish_reason
      return events
    },
    finish(usage) {
      const events = close()
      const incomplete = incompleteReason(finish)
      const response = snapshot(incomplete ? 'incomplete' : 'completed', usage, incomplete)
      events.push(event(incomplete ? 'response.incomplete' : 'response.completed', { response }))
      return events
    },
    error: ({ code, message, param }) => [event('error', { code, message, param: param ?? null })],
  }
}

const encoder = new TextEncoder()
/** One event on the wire, as OpenAI frames it: its type as the SSE event name, and as JSON data. */
export const responsesFrame = (event: ResponsesEvent): Uint8Array => encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
