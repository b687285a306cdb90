// Google Gemini (Generative Language API, v1beta) for chat completions: OpenAI-shaped requests
// translated to generateContent (gemini-request.ts), its answers and SSE stream translated back
// (here and gemini-stream.ts). Images in, tools, structured output and thoughts included.
import { geminiRequest } from '@/lib/providers/gemini-request'
import { completionId, finishReason, geminiUsage, imageOut, openAIUsageOf, toolCallOf, type GeminiCandidate, type GeminiResponse } from '@/lib/providers/gemini-response'
import { geminiStream } from '@/lib/providers/gemini-stream'
import type { ChatCompletion, ParsedBody, ProviderAdapter, TextUsage } from '@/lib/providers/types'

export { geminiUsage } from '@/lib/providers/gemini-response'

/** One candidate as an OpenAI choice. */
function choiceOf(candidate: GeminiCandidate, position: number): ChatCompletion['choices'][number] {
  const parts = candidate.content?.parts ?? []
  const text = parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('')
  const reasoning = parts.filter((p) => typeof p.text === 'string' && p.thought).map((p) => p.text).join('')
  const calls = parts.filter((p) => p.functionCall).map(toolCallOf)
  const images = parts.filter((p) => p.inlineData && !p.thought).map((p) => imageOut(p.inlineData!))
  return {
    index: candidate.index ?? position,
    message: {
      role: 'assistant',
      content: text || null,
      refusal: null,
      ...(reasoning ? { reasoning_content: reasoning } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(images.length ? { images } : {}),
    },
    logprobs: null,
    finish_reason: finishReason(candidate.finishReason ?? 'STOP', calls.length > 0),
  }
}

/**
 * A GenerateContentResponse as an OpenAI completion. A prompt Gemini blocked comes back without
 * candidates: that is an answer (one empty choice, finish_reason content_filter), not a failure.
 */
export function parseGeminiResponse(value: unknown): { completion: ChatCompletion; usage: TextUsage | null } {
  const r = value as GeminiResponse
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not a GenerateContentResponse')
  if (r.error) throw new Error(r.error.message ?? 'upstream error')
  const candidates = Array.isArray(r.candidates) ? r.candidates : []
  if (candidates.length === 0 && !r.promptFeedback?.blockReason) throw new Error('a GenerateContentResponse without candidates or promptFeedback')
  const usage = geminiUsage(r.usageMetadata)
  const choices = candidates.length
    ? candidates.map(choiceOf).sort((a, b) => a.index - b.index)
    : [{ index: 0, message: { role: 'assistant' as const, content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]
  return {
    completion: {
      id: completionId(r),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: r.modelVersion ?? 'gemini',
      choices,
      ...(usage ? { usage: openAIUsageOf(usage) } : {}),
    },
    usage,
  }
}

/** Google's error body `{error: {code, message, status}}`: the message, with its status for context. */
export function geminiErrorText(status: number, body: ParsedBody): string {
  const error = (body.json as GeminiResponse | undefined)?.error
  const message = typeof error?.message === 'string' && error.message ? error.message : `upstream answered HTTP ${status}`
  return (typeof error?.status === 'string' ? `${message} (${error.status})` : message).slice(0, 500)
}

type ErrorDetail = { '@type'?: string; reason?: string; retryDelay?: string }
const details = (body: ParsedBody): ErrorDetail[] => {
  const list = ((body.json as { error?: { details?: unknown } } | undefined)?.error?.details ?? []) as unknown
  return Array.isArray(list) ? (list as ErrorDetail[]) : []
}

/** Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID: the gateway's key, not the caller's request. */
export function geminiRejectsKey(status: number, body: ParsedBody): boolean {
  return status === 400 && details(body).some((d) => d.reason === 'API_KEY_INVALID')
}

/** A 429's wait, from its google.rpc.RetryInfo detail ("7s", "1.5s"), in whole seconds. */
export function geminiRetryAfter(body: ParsedBody): number | undefined {
  const delay = details(body).find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay
  const seconds = typeof delay === 'string' && /^\d{1,6}(?:\.\d{1,9})?s$/.test(delay) ? Number(delay.slice(0, -1)) : NaN
  return Number.isFinite(seconds) ? Math.ceil(seconds) : undefined
}

export const gemini: ProviderAdapter = {
  id: 'gemini',
  parseError: geminiErrorText,
  rejectsKey: geminiRejectsKey,
  retryAfter: geminiRetryAfter,
  chat: {
    buildRequest: geminiRequest,
    parseResponse: parseGeminiResponse,
    openStream: geminiStream,
  },
}
