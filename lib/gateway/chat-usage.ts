// What a chat call used and cost: from the upstream's usage, or counted when it sent none.
import 'server-only'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { TextRoute } from '@/lib/gateway/routing'
import { costColumns } from '@/lib/metering/row'
import { countPromptTokens } from '@/lib/pricing/estimate'
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
export function priceTokens(route: TextRoute, usage: TextUsage, overrides: readonly PriceOverride[], served?: string) {
  const cost = priceTextUsage(servedModel(route, served), fromTextUsage(usage), { overrides })
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    ...costColumns(cost, route.servedBy === 'simulator'),
  }
}

function servedModel(route: TextRoute, served: string | undefined): TextModelRef {
  const routed = route.text
  if (!served || !routed.entry || route.servedBy === 'simulator' || served.toLowerCase() === route.upstreamModel.toLowerCase()) return routed
  const entry = findTextModel(routed.entry.provider.id, served, { only: true })
  return entry && entry.model.id !== routed.entry.model.id ? { ...routed, model: entry.model.id, entry } : routed
}

export function countedUsage(body: ChatRequestBody, output: string): TextUsage {
  return { inputTokens: countPromptTokens(body.messages as never), outputTokens: countTokens(output), cachedTokens: 0, reasoningTokens: 0 }
}

export const usageSource = (source: 'upstream' | 'counted') => ({ usage_source: source })

