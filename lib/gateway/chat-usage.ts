// What a chat call used and cost: from the upstream's usage, or counted when it sent none (then
// the row's cost is `estimated`, and its metadata says usage_source 'counted').
import 'server-only'
import type { TextRoute } from '@/lib/gateway/routing'
import { costColumns } from '@/lib/metering/row'
import { countCompletionTokens, countPromptTokens, type ChatMessageLike } from '@/lib/pricing/estimate'
import { fromTextUsage, priceTextUsage, type TextModelRef } from '@/lib/pricing/text'
import { findTextModel } from '@/lib/pricing/text-catalog'
import type { PriceOverride } from '@/lib/pricing/types'
import type { ChatRequestBody, TextUsage } from '@/lib/providers/types'

/**
 * Prices token usage as the model's own vendor would, whoever served it, from the entry routing
 * found, or from the model the vendor says it served (`served`: a floating alias such as
 * gemini-flash-latest names its current model in the answer) when that is another entry of the
 * same vendor's list. The simulator echoes the name asked, so it prices as routed.
 */
export function priceTokens(route: TextRoute, usage: TextUsage, overrides: readonly PriceOverride[], served?: string, source: UsageSource = 'upstream') {
  const cost = priceTextUsage(servedModel(route, served), fromTextUsage(usage), { overrides })
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    ...costColumns(cost, route.servedBy === 'simulator', source === 'counted'),
  }
}

function servedModel(route: TextRoute, served: string | undefined): TextModelRef {
  const routed = route.text
  if (!served || !routed.entry || route.servedBy === 'simulator' || served.toLowerCase() === route.upstreamModel.toLowerCase()) return routed
  const entry = findTextModel(routed.entry.provider.id, served, { only: true })
  return entry && entry.model.id !== routed.entry.model.id ? { ...routed, model: entry.model.id, entry } : routed
}

/** What a call generated, for counting when the upstream reports no usage. */
export type Generated = { text: string; toolCalls: readonly { name?: unknown; arguments?: unknown }[] }

/**
 * Usage as Tollgate counts it when the upstream sent none: the prompt with its tool definitions,
 * tool calls and images (for the model served), and the answer's text and tool calls. Priced, it
 * is `estimated` (priceTokens with source 'counted').
 */
export function countedUsage(body: ChatRequestBody, model: string, generated: Generated): TextUsage {
  return {
    inputTokens: countPromptTokens(body.messages as ChatMessageLike[], { request: body, models: [model] }),
    outputTokens: countCompletionTokens(generated.text, generated.toolCalls),
    cachedTokens: 0,
    reasoningTokens: 0,
  }
}

/** Whose token counts a row holds: the upstream's, or (any of them) Tollgate's own. */
export type UsageSource = 'upstream' | 'counted'
export const usageSource = (source: UsageSource) => ({ usage_source: source })
