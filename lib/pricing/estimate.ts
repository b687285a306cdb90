// The most a call can cost, before it is made: what admission holds against a budget.
import { encodeChat, countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { calculateImageCost, calculateVideoCost, type ImageCostInput, type VideoCostInput } from '@/lib/pricing/media'
import { calculateTextCost } from '@/lib/pricing/text'
import { findTextModel } from '@/lib/pricing/text-catalog'
import { unpriced, type CostBreakdown, type PriceOverride } from '@/lib/pricing/types'

/** An OpenAI-style chat message; content parts other than text count as one image each. */
export type ChatMessageLike = {
  role: string
  content?: string | null | unknown[]
  name?: string
}

export type EstimateRequest =
  | {
      service: 'chat' | 'content'
      provider: string
      model: string
      messages: ChatMessageLike[]
      /** max_tokens / max_completion_tokens from the request, when given. */
      maxOutputTokens?: number
      at?: Date
      overrides?: readonly PriceOverride[]
    }
  | ({ service: 'image' } & ImageCostInput)
  | ({ service: 'video' } & VideoCostInput)

export type CostEstimate = CostBreakdown & { promptTokens?: number; maxOutputTokens?: number }

// OpenAI's figure for one high-detail 1024×1024 image in a prompt.
const IMAGE_PART_TOKENS = 765
// With no max_tokens, a model may write until its context is full; cap the hold at this many
// output tokens (and 4,096 when the context size is unknown) so one call cannot reserve a fortune.
const DEFAULT_OUTPUT_CAP = 16_384
const UNKNOWN_CONTEXT_OUTPUT = 4_096

/**
 * Prompt tokens of a chat request with OpenAI's chat framing (o200k, as every current OpenAI
 * model uses). For other vendors' models it is an approximation, which is all an estimate needs.
 */
export function countPromptTokens(messages: ChatMessageLike[]): number {
  let images = 0
  const flat = messages.map((m) => {
    // Content may be absent (an assistant turn that only calls tools) or hold parts of any shape.
    if (!Array.isArray(m.content)) return { role: m.role, content: typeof m.content === 'string' ? m.content : '', name: m.name }
    const text = m.content
      .map((part) => {
        if (!part || typeof part !== 'object') return ''
        const p = part as { type?: unknown; text?: unknown }
        if (p.type === 'text' && typeof p.text === 'string') return p.text
        if (typeof p.type === 'string' && /image/.test(p.type)) images += 1
        return ''
      })
      .join('\n')
    return { role: m.role, content: text, name: m.name }
  })
  let tokens: number
  try {
    tokens = encodeChat(flat as Parameters<typeof encodeChat>[0], 'gpt-4o').length
  } catch {
    // Unknown roles: count the text, plus OpenAI's 3 tokens of framing per message and 3 to prime the reply.
    tokens = flat.reduce((sum, m) => sum + countTokens(m.content) + 3, 3)
  }
  return tokens + images * IMAGE_PART_TOKENS
}

/** The largest cost the request can incur, priced exactly like the real call would be. */
export function estimateMaxCost(request: EstimateRequest): CostEstimate {
  if (request.service === 'image') return calculateImageCost(request)
  if (request.service === 'video') return calculateVideoCost(request)
  if (!Array.isArray(request.messages)) return unpriced('messages must be an array')
  const promptTokens = countPromptTokens(request.messages)
  const context = findTextModel(request.provider, request.model)?.model.contextWindow
  const maxOutputTokens =
    request.maxOutputTokens ?? (context ? Math.max(0, Math.min(DEFAULT_OUTPUT_CAP, context - promptTokens)) : UNKNOWN_CONTEXT_OUTPUT)
  const cost = calculateTextCost(
    request.provider,
    request.model,
    { uncachedInputTokens: promptTokens, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: maxOutputTokens },
    request,
  )
  return { ...cost, costStatus: cost.costStatus === 'unpriced' ? 'unpriced' : 'estimated', promptTokens, maxOutputTokens }
}
