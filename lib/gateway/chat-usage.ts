// What a chat call used and cost: from the upstream's usage, or counted when it sent none.
import 'server-only'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { TextRoute } from '@/lib/gateway/routing'
import { costColumns } from '@/lib/metering/row'
import { countPromptTokens } from '@/lib/pricing/estimate'
import { fromTextUsage, priceTextUsage } from '@/lib/pricing/text'
import type { PriceOverride } from '@/lib/pricing/types'
import type { ChatRequestBody, TextUsage } from '@/lib/providers/types'

/** Prices token usage as the model's own vendor would, whoever served it, from the entry routing found. */
export function priceTokens(route: TextRoute, usage: TextUsage, overrides: readonly PriceOverride[]) {
  const cost = priceTextUsage(route.text, fromTextUsage(usage), { overrides })
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    ...costColumns(cost, route.servedBy === 'simulator'),
  }
}

export function countedUsage(body: ChatRequestBody, output: string): TextUsage {
  return { inputTokens: countPromptTokens(body.messages as never), outputTokens: countTokens(output), cachedTokens: 0, reasoningTokens: 0 }
}

export const usageSource = (source: 'upstream' | 'counted') => ({ usage_source: source })

