// The most a call can cost, before it is made: what admission holds against a budget.
import { encodeChat, countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { CONTEXT_WINDOWS, OUTPUT_LIMITS } from '@/lib/pricing/data/output-limits'
import { calculateImageCost, calculateVideoCost, type ImageCostInput, type VideoCostInput } from '@/lib/pricing/media'
import { parseUsd } from '@/lib/pricing/money'
import { priceTextUsage, resolveTextModel, type TextModelRef } from '@/lib/pricing/text'
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
      /** Output tokens of the whole call (max_tokens × n), when known; else the model's default cap for one answer. */
      maxOutputTokens?: number
      at?: Date
      overrides?: readonly PriceOverride[]
    }
  | ({ service: 'image' } & ImageCostInput)
  | ({ service: 'video' } & VideoCostInput)

export type CostEstimate = CostBreakdown & { promptTokens?: number; maxOutputTokens?: number }

// OpenAI's figure for one high-detail 1024×1024 image in a prompt.
const IMAGE_PART_TOKENS = 765
// With no max_tokens, a model may write until its context is full. The gateway then holds, and
// sends the upstream, this cap per answer (4,096 when the context size is unknown, less where
// the model's own limit is lower), so one call can neither reserve nor spend a fortune.
const DEFAULT_OUTPUT_CAP = 16_384
const UNKNOWN_CONTEXT_OUTPUT = 4_096

/** A resolved model (routing's, see resolveTextModel) with the moment and overrides to price at. */
export type ChatPricing = TextModelRef & { at?: Date; overrides?: readonly PriceOverride[] }

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

/** The most `model` may write per answer, where on record (lib/pricing/data/output-limits.ts). */
export function outputLimitOf(model: TextModelRef): number | undefined {
  const id = model.entry?.model.id
  return id === undefined ? undefined : OUTPUT_LIMITS[id]
}

/**
 * The output cap for one answer when the caller gives none: what fits the context, within the
 * model's limit and the gateway's default. `upToModelLimit`: the model's own limit instead of
 * the default, for protocols whose clients always name a cap (Anthropic requires max_tokens,
 * so a caller who gives none through the OpenAI shape is given what Anthropic's own clients
 * would ask: the model's most).
 */
export function defaultOutputCap(model: TextModelRef, promptTokens: number, options: { upToModelLimit?: boolean } = {}): number {
  const entry = model.entry?.model
  const known = outputLimitOf(model)
  const limit = options.upToModelLimit && known ? known : Math.min(DEFAULT_OUTPUT_CAP, known ?? DEFAULT_OUTPUT_CAP)
  const context = entry?.contextWindow ?? (entry ? CONTEXT_WINDOWS[entry.id] : undefined)
  if (!context) return Math.min(UNKNOWN_CONTEXT_OUTPUT, limit)
  // At least one token: a prompt that overflows the context is the upstream's to refuse.
  return Math.max(1, Math.min(limit, context - promptTokens))
}

/** A chat call's cost with `promptTokens` uncached in and `outputTokens` out, as an estimate. */
export function estimateChatCost(pricing: ChatPricing, promptTokens: number, outputTokens: number): CostEstimate {
  const cost = priceTextUsage(pricing, { uncachedInputTokens: promptTokens, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens }, pricing)
  return { ...cost, costStatus: cost.costStatus === 'unpriced' ? 'unpriced' : 'estimated', promptTokens, maxOutputTokens: outputTokens }
}

/**
 * The largest output per answer, up to `ceiling`, for `choices` answers, whose estimate fits in
 * `room` (USD); null when the model is unpriced (nothing to fit), 0 when not even the prompt fits.
 */
export function largestOutputWithin(pricing: ChatPricing, promptTokens: number, choices: number, room: string, ceiling: number): number | null {
  const cost = (perChoice: number) => {
    const total = estimateChatCost(pricing, promptTokens, perChoice * choices).totalCost
    return total === null ? null : parseUsd(total)
  }
  const base = cost(0)
  const one = cost(1)
  if (base === null || one === null) return null
  const limit = parseUsd(room)
  if (base > limit) return 0
  // Cost is affine in output tokens (tiers follow the prompt's size, fixed here); every rate is
  // a whole number of pico-dollars per token, so this is exact up to the rounding checked below.
  const perToken = one - base
  if (perToken <= 0n) return ceiling
  const fits = (limit - base) / perToken
  let tokens = fits > BigInt(ceiling) ? ceiling : Number(fits)
  while (tokens > 0 && cost(tokens)! > limit) tokens -= 1
  return tokens
}

/** The largest cost the request can incur, priced exactly like the real call would be. */
export function estimateMaxCost(request: EstimateRequest): CostEstimate {
  if (request.service === 'image') return calculateImageCost(request)
  if (request.service === 'video') return calculateVideoCost(request)
  if (!Array.isArray(request.messages)) return unpriced('messages must be an array')
  const promptTokens = countPromptTokens(request.messages)
  const pricing = { ...resolveTextModel(request.provider, request.model), at: request.at, overrides: request.overrides }
  return estimateChatCost(pricing, promptTokens, request.maxOutputTokens ?? defaultOutputCap(pricing, promptTokens))
}
