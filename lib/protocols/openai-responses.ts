// OpenAI Responses API requests in, OpenAI chat out, and back: how /api/v1/responses serves a
// model whose provider is not OpenAI itself (Anthropic, Gemini, OpenAI-compatible hosts, the
// simulator), through the same chat adapters as /api/v1/chat/completions. Pure functions.
// What has no equivalent is refused (UntranslatableError naming the field), never dropped; what
// is left out changes no answer and is said in `ignored` (an x-tollgate-ignored header).
import { UntranslatableError, type ChatCompletion, type ChatMessage, type ChatRequestBody, type TextUsage } from '@/lib/providers/types'
import type { ResponsesItem, ResponsesRequest } from '@/lib/protocols/openai-responses-schema'

/** Fields the translation carries, or may leave out without changing the answer (see `ignored`). */
const TRANSLATED = new Set(['model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'reasoning', 'max_output_tokens', 'temperature', 'top_p', 'parallel_tool_calls', 'stream', 'campaign'])
/** Hints with no effect on another vendor's answer: said in the ignored header. */
const HINTS = new Set(['store', 'metadata', 'include', 'user', 'safety_identifier', 'prompt_cache_key', 'stream_options', 'max_tool_calls', 'truncation', 'service_tier'])

export type Translated = { body: ChatRequestBody; ignored: string[] }

/** A Responses request as an OpenAI chat request for `upstreamModel`. Throws UntranslatableError. */
export function toChatRequest(request: ResponsesRequest, upstreamModel: string): Translated {
  const ignored = new Set<string>()
  const fields = request as Record<string, unknown>
  if (request.previous_response_id)
    throw new UntranslatableError('previous_response_id', `stored responses are only kept by OpenAI models; ${upstreamModel} cannot continue one (send the earlier turns in input instead)`)
  for (const [field, value] of Object.entries(fields)) {
    if (TRANSLATED.has(field) || value === null || value === undefined || field === 'previous_response_id') continue
    if (field === 'truncation' && value !== 'disabled') throw new UntranslatableError('truncation', `only "disabled" can be served by ${upstreamModel}'s provider`)
    if (field === 'service_tier' && value !== 'auto' && value !== 'default') throw new UntranslatableError('service_tier', `is an OpenAI feature that ${upstreamModel}'s provider has no equivalent for`)
    if (field === 'store' && value === false) continue
    if (HINTS.has(field)) ignored.add(field)
    else throw new UntranslatableError(field, `is an OpenAI Responses feature that ${upstreamModel}'s provider has no equivalent for`)
  }
  const messages: ChatMessage[] = []
  if (request.instructions) messages.push({ role: 'system', content: request.instructions })
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input })
  else (request.input ?? []).forEach((item, i) => addItem(messages, item, `input.${i}`, ignored))
  if (!messages.some((m) => m.role !== 'system')) throw new UntranslatableError('input', 'must hold at least one user turn')

  const body: ChatRequestBody = { model: upstreamModel, messages }
  if (request.tools?.length) body.tools = request.tools.map((tool, i) => chatTool(tool, i))
  if (request.tool_choice !== undefined) body.tool_choice = chatToolChoice(request.tool_choice)
  const format = request.text?.format
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' }
  if (format?.type === 'json_schema') {
    if (!format.name || !format.schema) throw new UntranslatableError('text.format', 'a json_schema format needs a name and a schema')
    const schema: Record<string, unknown> = { name: format.name, schema: format.schema }
    if (typeof format.strict === 'boolean') schema.strict = format.strict
    if (format.description !== undefined) schema.description = format.description
    body.response_format = { type: 'json_schema', json_schema: schema }
  }
  if (request.text?.verbosity) body.verbosity = request.text.verbosity
  if (request.reasoning?.effort) body.reasoning_effort = request.reasoning.effort
  if (request.reasoning?.summary) ignored.add('reasoning.summary')
  if (request.max_output_tokens) body.max_completion_tokens = request.max_output_tokens
  for (const field of ['temperature', 'top_p', 'parallel_tool_calls'] as const) if (request[field] !== undefined && request[field] !== null) body[field] = request[field]
  if (request.stream) body.stream = true
  return { body, ignored: [...ignored] }
}

function chatTool(tool: Record<string, unknown>, i: number) {
  if (tool.type !== 'function') throw new UntranslatableError(`tools.${i}.type`, `the built-in tool ${String(tool.type)} is only served by OpenAI models`)
  if (typeof tool.name !== 'string' || !tool.name) throw new UntranslatableError(`tools.${i}.name`, 'is required')
  const fn: Record<string, unknown> = { name: tool.name, parameters: tool.parameters ?? { type: 'object', properties: {} } }
  if (typeof tool.description === 'string') fn.description = tool.description
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict
  return { type: 'function', function: fn }
}

function chatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): unknown {
  if (typeof choice === 'string') return choice
  if (choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } }
  throw new UntranslatableError('tool_choice', `${choice.type} is only served by OpenAI models`)
}

/** One input item onto the chat messages: consecutive function calls join one assistant turn. */
function addItem(messages: ChatMessage[], item: ResponsesItem, path: string, ignored: Set<string>): void {
  const type = item.type ?? (item.role ? 'message' : undefined)
  const fields = item as Record<string, unknown>
  if (type === 'message') {
    const role = item.role
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') throw new UntranslatableError(`${path}.role`, 'must be user, assistant, system or developer')
    messages.push({ role: role === 'developer' ? 'system' : role, content: messageContent(fields.content, `${path}.content`, role) })
    return
  }
  if (type === 'function_call') {
    if (typeof fields.call_id !== 'string' || typeof fields.name !== 'string') throw new UntranslatableError(path, 'a function_call item needs a call_id and a name')
    const call = { id: fields.call_id, type: 'function', function: { name: fields.name, arguments: typeof fields.arguments === 'string' ? fields.arguments : '{}' } }
    const last = messages.at(-1)
    if (last?.role === 'assistant') last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call]
    else messages.push({ role: 'assistant', content: null, tool_calls: [call] })
    return
  }
  if (type === 'function_call_output') {
    if (typeof fields.call_id !== 'string') throw new UntranslatableError(`${path}.call_id`, 'is required')
    const output = fields.output
    const text = typeof output === 'string' ? output : Array.isArray(output) ? textParts(output, `${path}.output`) : undefined
    if (text === undefined) throw new UntranslatableError(`${path}.output`, 'must be a string or text parts')
    messages.push({ role: 'tool', tool_call_id: fields.call_id, content: text })
    return
  }
  // A replayed reasoning item is OpenAI's own (encrypted) state: no other vendor can read it.
  if (type === 'reasoning') return void ignored.add('input.reasoning')
  throw new UntranslatableError(`${path}.type`, `${String(type)} items are only served by OpenAI models`)
}

function textParts(parts: unknown[], path: string): string {
  return parts
    .map((part, i) => {
      const p = part as { type?: unknown; text?: unknown }
      if ((p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string') return p.text
      throw new UntranslatableError(`${path}.${i}.type`, 'must be input_text here')
    })
    .join('\n')
}

function messageContent(content: unknown, path: string, role: string): unknown {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw new UntranslatableError(path, 'must be a string or an array of content parts')
  const parts = content.map((part, i) => {
    const p = part as Record<string, unknown>
    const at = `${path}.${i}`
    if ((p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string') return { type: 'text', text: p.text }
    if (p.type === 'refusal' && typeof p.refusal === 'string') return { type: 'text', text: p.refusal }
    if (p.type === 'input_image') {
      if (typeof p.image_url !== 'string') throw new UntranslatableError(`${at}.image_url`, 'an image must be given by URL (data: or https:); file ids name files only OpenAI holds')
      return { type: 'image_url', image_url: { url: p.image_url, ...(typeof p.detail === 'string' && p.detail !== 'auto' ? { detail: p.detail } : {}) } }
    }
    throw new UntranslatableError(`${at}.type`, `${String(p.type)} parts are only served by OpenAI models`)
  })
  // The chat adapters take text-only assistant and system turns as strings.
  if (role !== 'user' || parts.every((p) => p.type === 'text')) {
    if (parts.some((p) => p.type !== 'text')) throw new UntranslatableError(path, `images can only be sent in user turns`)
    return parts.map((p) => (p as { text: string }).text).join('')
  }
  return parts
}

// ---- Answers -------------------------------------------------------------------------------

export type ResponsesUsage = {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

export function toResponsesUsage(usage: TextUsage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  }
}

/** What a Responses object repeats of its request (OpenAI echoes the settings it ran with). */
export type ResponseFrame = { id: string; model: string; createdAt: number; request: ResponsesRequest }

/** The Response object around `output`: `store` is false, since no other vendor keeps it. */
export function responseObject(frame: ResponseFrame, state: { status: string; output: unknown[]; usage: ResponsesUsage | null; incomplete?: string | null }) {
  const r = frame.request
  return {
    id: frame.id,
    object: 'response' as const,
    created_at: frame.createdAt,
    status: state.status,
    error: null,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: frame.model,
    output: state.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: r.temperature ?? null,
    text: { format: r.text?.format ?? { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_p: r.top_p ?? null,
    truncation: 'disabled',
    usage: state.usage,
    metadata: r.metadata ?? {},
  }
}

/** Why an answer stopped short, in Responses' words (null: it is complete). */
export function incompleteReason(finish: string | null | undefined): string | null {
  if (finish === 'length') return 'max_output_tokens'
  if (finish === 'content_filter') return 'content_filter'
  return null
}

/** A chat completion as a Response object (its first choice: a Response has one answer). */
export function toResponse(completion: ChatCompletion, frame: ResponseFrame, usage: TextUsage) {
  const choice = completion.choices[0]
  const message = (choice?.message ?? { content: null }) as { content: string | null; refusal?: unknown; reasoning_content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }
  const base = frame.id.slice('resp_'.length)
  const output: Record<string, unknown>[] = []
  if (typeof message.reasoning_content === 'string' && message.reasoning_content)
    output.push({ id: `rs_${base}`, type: 'reasoning', summary: [{ type: 'summary_text', text: message.reasoning_content }] })
  const content: Record<string, unknown>[] = []
  if (typeof message.content === 'string' && message.content) content.push({ type: 'output_text', text: message.content, annotations: [], logprobs: [] })
  if (typeof message.refusal === 'string' && message.refusal) content.push({ type: 'refusal', refusal: message.refusal })
  if (content.length) output.push({ id: `msg_${base}`, type: 'message', status: 'completed', role: 'assistant', content })
  for (const [i, call] of (message.tool_calls ?? []).entries())
    output.push({ id: `fc_${base}_${i}`, type: 'function_call', status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments })
  const incomplete = incompleteReason(choice?.finish_reason)
  return responseObject(frame, { status: incomplete ? 'incomplete' : 'completed', output, usage: toResponsesUsage(usage), incomplete })
}
