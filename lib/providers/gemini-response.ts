// What answers and stream chunks share: a GenerateContentResponse's parts, finish reasons and
// usage in OpenAI's terms.
import type { OpenAIUsage, TextUsage } from '@/lib/providers/types'

export type GeminiPart = {
  text?: string
  thought?: boolean
  thoughtSignature?: string
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> }
  inlineData?: { mimeType?: string; data?: string }
}
export type GeminiCandidate = { index?: number; content?: { role?: string; parts?: GeminiPart[] }; finishReason?: string }
type Modality = { modality?: string; tokenCount?: number }
export type GeminiUsageMetadata = {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  cachedContentTokenCount?: number
  toolUsePromptTokenCount?: number
  totalTokenCount?: number
  candidatesTokensDetails?: Modality[]
}
export type GeminiResponse = {
  candidates?: GeminiCandidate[]
  promptFeedback?: { blockReason?: string }
  usageMetadata?: GeminiUsageMetadata
  modelVersion?: string
  responseId?: string
  error?: { code?: number; message?: string; status?: string }
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0)

/**
 * Gemini's usage in OpenAI's counting. promptTokenCount already includes cached content;
 * tool results fed back (toolUsePromptTokenCount) are input too. candidatesTokenCount excludes
 * thoughts, which are billed as output: output = candidates + thoughts, reasoning = thoughts.
 * Image output (image models) is the IMAGE share of the candidates, priced at its own rate.
 */
export function geminiUsage(raw: unknown): TextUsage | null {
  const u = raw as GeminiUsageMetadata | null | undefined
  if (!u || typeof u !== 'object') return null
  const input = count(u.promptTokenCount) + count(u.toolUsePromptTokenCount)
  const candidates = count(u.candidatesTokenCount)
  const thoughts = count(u.thoughtsTokenCount)
  const image = (u.candidatesTokensDetails ?? []).filter((d) => d?.modality === 'IMAGE').reduce((sum, d) => sum + count(d.tokenCount), 0)
  return {
    inputTokens: input,
    outputTokens: candidates + thoughts,
    cachedTokens: Math.min(count(u.cachedContentTokenCount), input),
    reasoningTokens: thoughts,
    ...(image ? { outputImageTokens: Math.min(image, candidates) } : {}),
  }
}

/** The usage object OpenAI would send for `usage`. */
export function openAIUsageOf(usage: TextUsage): OpenAIUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  }
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION'])

/**
 * OpenAI's finish_reason for a Gemini one. Gemini ends a function call with STOP: the presence
 * of calls makes it tool_calls. Blocks are content_filter; MAX_TOKENS is length; the rest
 * (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, NO_IMAGE…) ended without a cut: stop.
 */
export function finishReason(reason: string, hasCalls: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length'
  if (FILTERED.has(reason)) return 'content_filter'
  return hasCalls ? 'tool_calls' : 'stop'
}

/** A tool call id: Gemini's own when it gives one, else one made up (OpenAI's `call_` form). */
export function callId(call: { id?: string }): string {
  return typeof call.id === 'string' && call.id ? call.id : `call_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`
}

/** An image the model made, as OpenRouter surfaces image output in chat: a data URL. */
export const imageOut = (data: { mimeType?: string; data?: string }) => ({ type: 'image_url', image_url: { url: `data:${data.mimeType ?? 'image/png'};base64,${data.data ?? ''}` } })

/** A function call in OpenAI's shape; its thought signature rides where Google's OpenAI endpoint puts it. */
export function toolCallOf(part: GeminiPart) {
  const call = part.functionCall ?? {}
  return {
    id: callId(call),
    type: 'function' as const,
    function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) },
    ...(part.thoughtSignature ? { extra_content: { google: { thought_signature: part.thoughtSignature } } } : {}),
  }
}

export const completionId = (r: GeminiResponse) => `chatcmpl-${r.responseId ?? crypto.randomUUID()}`
