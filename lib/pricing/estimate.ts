// The most a call can cost, before it is made: what admission holds against a budget.
import { encodeChat, countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { CONTEXT_WINDOWS, OUTPUT_LIMITS } from '@/lib/pricing/data/output-limits'
import { dataUrlImageSize, imageTokens, type ImageDetail, type ImageSize } from '@/lib/pricing/image-tokens'
import { calculateImageCost, calculateVideoCost, type ImageCostInput, type VideoCostInput } from '@/lib/pricing/media'
import { parseUsd } from '@/lib/pricing/money'
import { priceTextUsage, resolveTextModel, type TextModelRef } from '@/lib/pricing/text'
import { toolDefinitionTokens, type ToolFields } from '@/lib/pricing/tool-tokens'
import { unpriced, type CostBreakdown, type PriceOverride } from '@/lib/pricing/types'

/** An OpenAI-style chat message: text and image parts, and an assistant turn's tool calls. */
export type ChatMessageLike = {
  role: string
  content?: string | null | unknown[]
  name?: string
  tool_calls?: unknown
  function_call?: unknown
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

// With no max_tokens, a model may write until its context is full. The gateway then holds, and
// sends the upstream, this cap per answer (4,096 when the context size is unknown, less where
// the model's own limit is lower), so one call can neither reserve nor spend a fortune.
const DEFAULT_OUTPUT_CAP = 16_384
const UNKNOWN_CONTEXT_OUTPUT = 4_096

/** A resolved model (routing's, see resolveTextModel) with the moment and overrides to price at. */
export type ChatPricing = TextModelRef & { at?: Date; overrides?: readonly PriceOverride[] }

/** What else a chat request puts in the prompt, and the models it may go to (image tokens differ by model). */
export type PromptCountOptions = { request?: ToolFields; models?: readonly string[] }

/**
 * Prompt tokens of a chat request with OpenAI's chat framing (o200k, as every current OpenAI
 * model uses): the messages' text, assistant tool calls (name and arguments), tool results,
 * the tool definitions (tool-tokens.ts) and images by OpenAI's tile formula (image-tokens.ts),
 * for the model among `models` whose images cost most. For other vendors' models it is an
 * approximation, which is all an estimate, or a count the upstream did not give, needs.
 */
export function countPromptTokens(messages: ChatMessageLike[], options: PromptCountOptions = {}): number {
  const images: { size: ImageSize | null; detail: ImageDetail }[] = []
  let calls = 0
  const flat = messages.map((m) => {
    calls += toolCallTokens(m)
    // Content may be absent (an assistant turn that only calls tools) or hold parts of any shape.
    if (!Array.isArray(m.content)) return { role: m.role, content: typeof m.content === 'string' ? m.content : '', name: m.name }
    const text = m.content
      .map((part) => {
        if (!part || typeof part !== 'object') return ''
        const p = part as { type?: unknown; text?: unknown }
        if (p.type === 'text' && typeof p.text === 'string') return p.text
        if (typeof p.type === 'string' && /image/.test(p.type)) images.push(imagePart(part as Record<string, unknown>))
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
  const hasSystem = messages.some((m) => m.role === 'system' || m.role === 'developer')
  const tools = options.request ? toolDefinitionTokens(options.request, hasSystem) : 0
  const models = options.models?.length ? options.models : [undefined]
  const imageCost = Math.max(...models.map((model) => images.reduce((sum, i) => sum + imageTokens(i.size, i.detail, model), 0)))
  return tokens + calls + tools + imageCost
}

// Each tool call is framed like a message of its own (openai-chat-tokens counts 3 per call).
const TOOL_CALL_FRAMING = 3

/** Tokens of one tool call the model writes or wrote: its name, its arguments, its framing. */
export function toolCallCost(name: unknown, args: unknown): number {
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v))
  return countTokens(text(name)) + countTokens(text(args)) + TOOL_CALL_FRAMING
}

/** An assistant turn's tool calls (and the legacy function_call), as the prompt repeats them. */
function toolCallTokens(m: ChatMessageLike): number {
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : []
  const fn = (c: unknown) => (c && typeof c === 'object' ? (c as { function?: unknown }).function ?? c : {}) as { name?: unknown; arguments?: unknown }
  let tokens = calls.reduce((sum: number, c) => sum + toolCallCost(fn(c).name, fn(c).arguments), 0)
  if (m.function_call && typeof m.function_call === 'object') tokens += toolCallCost(fn(m.function_call).name, fn(m.function_call).arguments)
  return tokens
}

/**
 * An image part's size (read from a data: URL's header; a remote URL is never fetched, so it
 * counts as the costliest high-detail image) and detail. Parts other than image_url (another
 * protocol's image block) count as that worst case too.
 */
function imagePart(part: Record<string, unknown>): { size: ImageSize | null; detail: ImageDetail } {
  const image = part.image_url
  const url = typeof image === 'string' ? image : image && typeof image === 'object' ? (image as { url?: unknown }).url : undefined
  const detail = image && typeof image === 'object' ? (image as { detail?: unknown }).detail : undefined
  return { size: typeof url === 'string' ? dataUrlImageSize(url) : null, detail: detail === 'low' || detail === 'high' ? detail : 'auto' }
}

/** Output tokens Tollgate counts for an answer: its text (content and reasoning) and its tool calls. */
export function countCompletionTokens(text: string, toolCalls: readonly { name?: unknown; arguments?: unknown }[] = []): number {
  return countTokens(text) + toolCalls.reduce((sum, c) => sum + toolCallCost(c.name, c.arguments), 0)
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
  const promptTokens = countPromptTokens(request.messages, { models: [request.model] })
  const pricing = { ...resolveTextModel(request.provider, request.model), at: request.at, overrides: request.overrides }
  return estimateChatCost(pricing, promptTokens, request.maxOutputTokens ?? defaultOutputCap(pricing, promptTokens))
}
