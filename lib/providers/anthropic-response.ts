// An Anthropic message → an OpenAI chat completion, and Anthropic's usage → the gateway's
// normalised TextUsage (shared with the Anthropic Messages API route, which meters the same
// upstream answers).
import type { ChatCompletion, OpenAIUsage, ParsedBody, TextUsage } from '@/lib/providers/types'

export type AnthropicUsage = {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null
  output_tokens_details?: { thinking_tokens?: number | null } | null
}

type ContentBlock = { type: string; text?: string; id?: string; name?: string; input?: unknown; thinking?: string; signature?: string; data?: string }
type AnthropicMessage = { id: string; type: 'message'; model: string; content: ContentBlock[]; stop_reason: string | null; usage?: AnthropicUsage }

const count = (n: unknown): number => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0)

/**
 * Anthropic's usage in the gateway's counting. Anthropic reports uncached input apart from cache
 * reads and writes; here every prompt token is in inputTokens and the parts are subsets of it.
 * Writes are split by TTL from `cache_creation`; an answer without that breakdown (older API
 * versions) bills every write at the 5-minute rate, as Anthropic documents. output_tokens
 * already includes thinking; thinking_tokens, where reported, is its part of it. All fields are
 * nullable upstream: missing counts as 0. Null when there is no usage at all.
 */
export function anthropicUsage(raw: unknown): TextUsage | null {
  if (!raw || typeof raw !== 'object') return null
  const u = raw as AnthropicUsage
  if (typeof u.input_tokens !== 'number' && typeof u.output_tokens !== 'number') return null
  const read = count(u.cache_read_input_tokens)
  const written = count(u.cache_creation_input_tokens)
  const byTtl = u.cache_creation
  const write1h = byTtl ? Math.min(written, count(byTtl.ephemeral_1h_input_tokens)) : 0
  // Whatever the breakdown does not place at 1 hour is a 5-minute write (the default TTL; a
  // breakdown of nulls says nothing): never the plain input rate.
  const write5m = written - write1h
  const output = count(u.output_tokens)
  return {
    inputTokens: count(u.input_tokens) + read + written,
    outputTokens: output,
    cachedTokens: read,
    reasoningTokens: Math.min(output, count(u.output_tokens_details?.thinking_tokens)),
    ...(write5m ? { cacheWriteTokens: write5m } : {}),
    ...(write1h ? { cacheWrite1hTokens: write1h } : {}),
  }
}

/**
 * TextUsage as OpenAI's usage object. Cache writes, which OpenAI never reports, ride in
 * prompt_tokens_details.cache_write_tokens (OpenRouter's field) when there are any.
 */
export function openAIUsageOf(u: TextUsage): OpenAIUsage {
  const writes = (u.cacheWriteTokens ?? 0) + (u.cacheWrite1hTokens ?? 0)
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens, ...(writes ? { cache_write_tokens: writes } : {}) },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  }
}

/**
 * Anthropic's stop_reason as OpenAI's finish_reason. pause_turn only follows server tools (which
 * this translation never sends) and ends the turn; a full context window is a length cut.
 */
export function finishReason(stop: string | null | undefined): string {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop'
  }
}

function asMessage(value: unknown): AnthropicMessage {
  const v = value as AnthropicMessage
  if (!v || typeof v !== 'object' || v.type !== 'message' || !Array.isArray(v.content)) throw new Error('not an Anthropic message')
  return v
}

/**
 * The OpenAI message for Anthropic content blocks: text joined, tool_use as tool_calls, thinking
 * as `reasoning_content` (the field DeepSeek, vLLM and LiteLLM use) plus `thinking_blocks` with
 * their signatures, which a caller sends back on the assistant message to continue a tool loop
 * with thinking on (Anthropic refuses the loop without them).
 */
export function messageOf(content: ContentBlock[]): ChatCompletion['choices'][number]['message'] {
  const text = content.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('')
  const calls = content
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id ?? '', type: 'function', function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } }))
  const thinking = content.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking')
  const reasoning = thinking.map((b) => b.thinking ?? '').join('')
  return {
    role: 'assistant',
    content: text === '' && calls.length ? null : text,
    refusal: null,
    ...(calls.length ? { tool_calls: calls } : {}),
    ...(reasoning ? { reasoning_content: reasoning } : {}),
    ...(thinking.length
      ? { thinking_blocks: thinking.map((b) => (b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking ?? '', signature: b.signature ?? '' } : { type: 'redacted_thinking', data: b.data ?? '' })) }
      : {}),
  }
}

export function parseAnthropicResponse(value: unknown): { completion: ChatCompletion; usage: TextUsage | null } {
  const message = asMessage(value)
  const usage = anthropicUsage(message.usage)
  const completion: ChatCompletion = {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [{ index: 0, message: messageOf(message.content), logprobs: null, finish_reason: finishReason(message.stop_reason) }],
    ...(usage ? { usage: openAIUsageOf(usage) } : {}),
  }
  return { completion, usage }
}

/** The message of an Anthropic error body ({type:"error", error:{type, message}}), or the status when there is none (Cloudflare's 413 page). */
export function anthropicErrorText(status: number, body: ParsedBody): string {
  const error = (body.json as { error?: { type?: unknown; message?: unknown } } | undefined)?.error
  const message = typeof error?.message === 'string' && error.message !== '' ? error.message : `Anthropic answered HTTP ${status}`
  return message.slice(0, 500)
}
