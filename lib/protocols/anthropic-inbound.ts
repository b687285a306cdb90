// Anthropic Messages API requests in, OpenAI chat out, and back: how /api/v1/messages serves a
// model whose provider does not speak Anthropic's protocol (OpenAI-compatible hosts, Gemini, the
// simulator), through the same chat adapters as /api/v1/chat/completions. Pure functions.
// What has no equivalent is refused (UntranslatableError naming the field), never dropped; the
// only things left out are caching hints (see `ignored`), which change no answer.
import { UntranslatableError, type ChatCompletion, type ChatMessage, type ChatRequestBody, type TextUsage } from '@/lib/providers/types'
import type { ContentBlock, CountTokensRequest, MessagesRequest } from '@/lib/protocols/anthropic-inbound-schema'

/** Top-level fields the translation carries (or, for `campaign`, the gateway keeps). */
const TRANSLATED = new Set(['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'stop_sequences', 'temperature', 'top_p', 'stream', 'thinking', 'metadata', 'campaign'])

export type Translated = {
  body: ChatRequestBody
  /**
   * Hints the target has no use for, said in a response header rather than dropped unseen:
   * `cache_control` (OpenAI and Gemini cache prompts on their own) and `metadata` (Anthropic's
   * abuse-tracking id, which means nothing to another vendor).
   */
  ignored: string[]
}

/** An Anthropic request as an OpenAI chat request for `upstreamModel`. Throws UntranslatableError. */
export function toChatRequest(prompt: MessagesRequest | CountTokensRequest, upstreamModel: string): Translated {
  // count_tokens has no max_tokens, sampling or stream: those fields are then simply absent.
  const request = prompt as CountTokensRequest & Partial<MessagesRequest>
  const ignored = new Set<string>()
  const hint = (block: Record<string, unknown>) => {
    if (block.cache_control !== undefined && block.cache_control !== null) ignored.add('cache_control')
  }
  hint(request)
  if (request.top_k !== undefined) throw new UntranslatableError('top_k', 'is only served by Anthropic models')
  for (const field of Object.keys(request))
    if (!TRANSLATED.has(field) && field !== 'cache_control') throw new UntranslatableError(field, `is an Anthropic feature that ${upstreamModel}'s provider has no equivalent for`)
  if (request.thinking && request.thinking.type !== 'disabled')
    throw new UntranslatableError('thinking', `extended thinking is only served by Anthropic models; ${upstreamModel} reasons (or not) on its own`)
  if (request.metadata?.user_id) ignored.add('metadata')

  const messages: ChatMessage[] = []
  if (request.system !== undefined) {
    const text = typeof request.system === 'string' ? request.system : request.system.map((block, i) => textOf(block, `system.${i}`, hint)).join('\n\n')
    if (text) messages.push({ role: 'system', content: text })
  }
  request.messages.forEach((message, i) => {
    if (typeof message.content === 'string') messages.push({ role: message.role, content: message.content })
    else if (message.role === 'user') messages.push(...userTurn(message.content, `messages.${i}.content`, hint))
    else messages.push(assistantTurn(message.content, `messages.${i}.content`, hint))
  })
  const last = request.messages.at(-1)!
  if (last.role === 'assistant')
    throw new UntranslatableError(`messages.${request.messages.length - 1}`, `a final assistant turn (a prefill to continue) cannot be continued by ${upstreamModel}'s provider`)

  const body: ChatRequestBody = { model: upstreamModel, messages }
  if (request.tools?.length) {
    body.tools = request.tools.map((tool, i) => {
      hint(tool)
      if (tool.type !== undefined && tool.type !== 'custom') throw new UntranslatableError(`tools.${i}.type`, `Anthropic's ${tool.type} tool is only served by Anthropic models`)
      const fn: Record<string, unknown> = { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } }
      if (tool.description !== undefined) fn.description = tool.description
      if (typeof tool.strict === 'boolean') fn.strict = tool.strict
      return { type: 'function', function: fn }
    })
  }
  if (request.tool_choice) Object.assign(body, toolChoice(request.tool_choice, Boolean(request.tools?.length)))
  if (request.max_tokens !== undefined) {
    // max_completion_tokens, not max_tokens: the field every OpenAI model takes (reasoning models refuse the other).
    body.max_completion_tokens = request.max_tokens
    if (request.stop_sequences?.length) body.stop = request.stop_sequences
    if (request.temperature !== undefined) body.temperature = request.temperature
    if (request.top_p !== undefined) body.top_p = request.top_p
    if (request.stream) body.stream = true
  }
  return { body, ignored: [...ignored] }
}

function toolChoice(choice: NonNullable<MessagesRequest['tool_choice']>, hasTools: boolean): Partial<ChatRequestBody> {
  const out: Partial<ChatRequestBody> = {}
  if (choice.type === 'auto') out.tool_choice = 'auto'
  else if (choice.type === 'any') out.tool_choice = 'required'
  else if (choice.type === 'none') out.tool_choice = 'none'
  else {
    if (!choice.name) throw new UntranslatableError('tool_choice.name', 'is required when tool_choice.type is tool')
    out.tool_choice = { type: 'function', function: { name: choice.name } }
  }
  if (choice.disable_parallel_tool_use && hasTools) out.parallel_tool_calls = false
  return out
}

type Hint = (block: Record<string, unknown>) => void

function textOf(block: ContentBlock, path: string, hint: Hint): string {
  hint(block)
  if (block.type !== 'text') throw new UntranslatableError(`${path}.type`, `must be text here (got ${block.type})`)
  if (typeof block.text !== 'string') throw new UntranslatableError(`${path}.text`, 'must be a string')
  return block.text
}

function imagePart(block: ContentBlock, path: string) {
  const source = block.source as { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown } | undefined
  if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string')
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } }
  if (source?.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } }
  throw new UntranslatableError(`${path}.source`, 'must be a base64 image (media_type, data) or a url image; other sources are only served by Anthropic models')
}

/** A user turn: its tool results become OpenAI tool messages (first, as Anthropic requires them), the rest one user message. */
function userTurn(blocks: ContentBlock[], path: string, hint: Hint): ChatMessage[] {
  const tools: ChatMessage[] = []
  const parts: Record<string, unknown>[] = []
  blocks.forEach((block, j) => {
    hint(block)
    const at = `${path}.${j}`
    if (block.type === 'text') parts.push({ type: 'text', text: textOf(block, at, hint) })
    else if (block.type === 'image') parts.push(imagePart(block, at))
    else if (block.type === 'tool_result') tools.push(toolResult(block, at, hint))
    else throw new UntranslatableError(`${at}.type`, `${block.type} blocks are only served by Anthropic models`)
  })
  if (!parts.length) return tools
  const content = parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts
  return [...tools, { role: 'user', content }]
}

function toolResult(block: ContentBlock, path: string, hint: Hint): ChatMessage {
  if (typeof block.tool_use_id !== 'string') throw new UntranslatableError(`${path}.tool_use_id`, 'is required')
  const content = block.content
  let text: string
  if (content === undefined || content === null) text = ''
  else if (typeof content === 'string') text = content
  else if (Array.isArray(content)) text = (content as ContentBlock[]).map((part, k) => textOf(part, `${path}.content.${k}`, hint)).join('\n')
  else throw new UntranslatableError(`${path}.content`, 'must be a string or an array of text blocks')
  // OpenAI has no error flag on a tool result: the model is told in the result itself.
  return { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text }
}

function assistantTurn(blocks: ContentBlock[], path: string, hint: Hint): ChatMessage {
  let text = ''
  const calls: unknown[] = []
  blocks.forEach((block, j) => {
    const at = `${path}.${j}`
    if (block.type === 'text') text += textOf(block, at, hint)
    else if (block.type === 'tool_use') {
      hint(block)
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw new UntranslatableError(`${at}`, 'a tool_use block needs an id and a name')
      calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } })
    } else throw new UntranslatableError(`${at}.type`, `${block.type} blocks are only served by Anthropic models`)
  })
  return calls.length ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text }
}

// ---- Answers -------------------------------------------------------------------------------

export type AnthropicUsage = {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
}

/** Normalised usage in Anthropic's counting, where input_tokens is only the uncached part. */
export function toAnthropicUsage(usage: TextUsage): AnthropicUsage {
  const write5m = usage.cacheWriteTokens ?? 0
  const write1h = usage.cacheWrite1hTokens ?? 0
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cachedTokens - write5m - write1h),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: usage.cachedTokens,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
  }
}

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal'

export function toStopReason(finish: string | null | undefined): StopReason {
  if (finish === 'length') return 'max_tokens'
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use'
  if (finish === 'content_filter') return 'refusal'
  return 'end_turn'
}

/** The arguments of a tool call as Anthropic's `input` object; a model's broken JSON is the upstream's fault. */
export function toolInput(args: string, name: string): Record<string, unknown> {
  let input: unknown
  try {
    input = args.trim() ? JSON.parse(args) : {}
  } catch {
    throw new Error(`the model's arguments for tool ${name} are not JSON`)
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error(`the model's arguments for tool ${name} are not a JSON object`)
  return input as Record<string, unknown>
}

/** An OpenAI completion as an Anthropic Message (its first choice: Anthropic answers one). */
export function toAnthropicMessage(completion: ChatCompletion, options: { id: string; model: string; usage: TextUsage }) {
  const choice = completion.choices[0]
  const message = choice?.message ?? { role: 'assistant', content: null }
  const content: Record<string, unknown>[] = []
  const refusal = typeof message.refusal === 'string' && message.refusal ? message.refusal : null
  const text = typeof message.content === 'string' ? message.content : ''
  if (text || refusal) content.push({ type: 'text', text: text || refusal })
  for (const call of (message.tool_calls as { id: string; function: { name: string; arguments: string } }[] | undefined) ?? [])
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments, call.function.name) })
  return {
    id: options.id,
    type: 'message' as const,
    role: 'assistant' as const,
    model: options.model,
    content,
    stop_reason: refusal ? 'refusal' : toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(options.usage),
  }
}
