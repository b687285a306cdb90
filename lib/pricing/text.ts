// Token costs. Usage arrives normalised to OpenAI's counting (TextUsage: every part inside its
// total, whatever the vendor) and is first split into disjoint parts — uncached input, cache
// reads, 5-minute and 1-hour cache writes, text and image output — so no token is charged twice.
import { costOf, formatUsd, parseUsd, type Usd } from '@/lib/pricing/money'
import { overrideAt, periodAt } from '@/lib/pricing/periods'
import { findTextModel, textCatalog, type TextModelMatch } from '@/lib/pricing/text-catalog'
import type { TextRate, TextRateKey } from '@/lib/pricing/text-catalog-types'
import { unpriced, type CostBreakdown, type PriceOverride } from '@/lib/pricing/types'
import type { TextUsage } from '@/lib/providers/types'

/** Disjoint token counts: every token appears in exactly one field. */
export type TokenUsage = {
  uncachedInputTokens: number
  cacheReadTokens: number
  /** Cache writes at the 5-minute rate (Anthropic's default TTL; the only kind elsewhere). */
  cacheWriteTokens: number
  /** Cache writes at the 1-hour rate (Anthropic `ttl: "1h"`). */
  cacheWrite1hTokens?: number
  /** Generated text tokens, reasoning/thinking included (they are billed as output everywhere). */
  outputTokens: number
  /** Generated image tokens (Gemini image models), at the output-image rate. */
  outputImageTokens?: number
}

/** The gateway's normalised usage (every part ⊂ its total) split into disjoint priced parts. */
export function fromTextUsage(u: TextUsage): TokenUsage {
  const cacheRead = Math.min(u.cachedTokens, u.inputTokens)
  const write5m = Math.min(u.cacheWriteTokens ?? 0, u.inputTokens - cacheRead)
  const write1h = Math.min(u.cacheWrite1hTokens ?? 0, u.inputTokens - cacheRead - write5m)
  const image = Math.min(u.outputImageTokens ?? 0, u.outputTokens)
  return {
    uncachedInputTokens: u.inputTokens - cacheRead - write5m - write1h,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: write5m,
    ...(write1h ? { cacheWrite1hTokens: write1h } : {}),
    outputTokens: u.outputTokens - image,
    ...(image ? { outputImageTokens: image } : {}),
  }
}

/** OpenAI: prompt_tokens include cached_tokens; completion_tokens include reasoning_tokens. */
export function fromOpenAIUsage(promptTokens: number, completionTokens: number, cachedTokens = 0): TokenUsage {
  const cached = Math.min(cachedTokens, promptTokens)
  return { uncachedInputTokens: promptTokens - cached, cacheReadTokens: cached, cacheWriteTokens: 0, outputTokens: completionTokens }
}

export type TextCostOptions = { at?: Date; overrides?: readonly PriceOverride[] }

/**
 * A text model resolved once: whose prices apply and the catalog entry holding them (rates,
 * context window), or null when only an operator's override prices it. The gateway's routing
 * makes one per call; the estimate, the output cap and the final price all read this one.
 */
export type TextModelRef = {
  readonly provider: string
  readonly model: string
  readonly entry: TextModelMatch | null
  /** Served by a local server (Ollama, vLLM): no vendor bill, so $0 as `priced` unless an override prices it. */
  readonly local?: boolean
}

/** The one catalog lookup for `model`, priced as `provider`'s (its models first, then every provider's). */
export function resolveTextModel(provider: string, model: string): TextModelRef {
  return { provider, model, entry: findTextModel(provider, model) }
}

function validCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

/** A tiered rate applies its higher price to the whole request once the prompt exceeds the tier's start. */
function rateFor(rate: TextRate, promptTokens: number): string {
  if (typeof rate === 'string') return rate
  let price = rate.base
  for (const tier of rate.tiers) if (promptTokens > tier.start) price = tier.price
  return price
}

/**
 * Prices one text call. Unknown model, missing rate or invalid counts: `unpriced` with null
 * costs (never $0), and nothing throws.
 */
export function calculateTextCost(provider: string, model: string, usage: TokenUsage, options: TextCostOptions = {}): CostBreakdown {
  return priceTextUsage({ provider, model, entry: findTextModel(provider, model) }, usage, options)
}

/** calculateTextCost for a model already resolved (resolveTextModel): no second catalog lookup. */
export function priceTextUsage(ref: TextModelRef, usage: TokenUsage, options: TextCostOptions = {}): CostBreakdown {
  const { provider, model, entry } = ref
  const at = options.at ?? new Date()
  const write1h = usage.cacheWrite1hTokens ?? 0
  const imageOut = usage.outputImageTokens ?? 0
  const counts = [usage.uncachedInputTokens, usage.cacheReadTokens, usage.cacheWriteTokens, write1h, usage.outputTokens, imageOut]
  if (!counts.every(validCount)) return unpriced('token counts must be non-negative integers')

  const period = entry ? periodAt(entry.model.periods, at) : undefined
  const prompt = usage.uncachedInputTokens + usage.cacheReadTokens + usage.cacheWriteTokens + write1h
  const rates: Record<string, string> = {}
  const sources: Record<string, string> = {}

  const resolve = (key: TextRateKey): string | undefined => {
    const override = overrideAt(options.overrides, { provider, model, unit: key }, at)
    if (override) {
      sources[key] = `override:${override.id}`
      return (rates[key] = override.price)
    }
    const catalogRate = period?.rates[key]
    if (catalogRate === undefined) return undefined
    // A hand-checked pin names its own source (lib/pricing/data/text-price-pins.ts).
    sources[key] = period?.source ?? textCatalog.source
    return (rates[key] = rateFor(catalogRate, prompt))
  }

  const input = resolve('input_mtok') ?? (ref.local ? '0' : undefined)
  const output = resolve('output_mtok') ?? (ref.local ? '0' : undefined)
  if (input === undefined || output === undefined)
    return unpriced(entry ? `no input/output price for ${model} at ${at.toISOString()}` : `unknown model ${provider}/${model}`)
  // No cache price listed means no discount: cached tokens cost what uncached ones do.
  const cacheRead = usage.cacheReadTokens ? (resolve('cache_read_mtok') ?? input) : input
  const cacheWrite = usage.cacheWriteTokens ? (resolve('cache_write_mtok') ?? input) : input
  // The catalog derives the 1-hour rate where the vendor has one (Anthropic: 2× input); a
  // model without it has no such tier, and a write reported anyway costs the 5-minute rate.
  const cacheWrite1h = write1h ? (resolve('cache_write_1h_mtok') ?? resolve('cache_write_mtok') ?? input) : input
  // Image-output tokens have their own (higher) rate where the model makes images.
  const outputImage = imageOut ? (resolve('output_image_mtok') ?? output) : output

  const perToken = (rate: string, tokens: number): Usd => costOf(parseUsd(rate), tokens, 1_000_000)
  const inputCost =
    perToken(input, usage.uncachedInputTokens) + perToken(cacheRead, usage.cacheReadTokens) + perToken(cacheWrite, usage.cacheWriteTokens) + perToken(cacheWrite1h, write1h)
  const outputCost = perToken(output, usage.outputTokens) + perToken(outputImage, imageOut)
  return {
    costStatus: 'priced',
    inputCost: formatUsd(inputCost),
    outputCost: formatUsd(outputCost),
    generationCost: '0',
    totalCost: formatUsd(inputCost + outputCost),
    priceSnapshot: {
      provider,
      model,
      pricedAs: entry ? `${entry.provider.id}/${entry.model.id}` : ref.local && !Object.keys(sources).length ? `local:${provider}/${model}` : `override:${provider}/${model}`,
      rates,
      effectiveFrom: period?.effectiveFrom ?? null,
      sources,
      sourceUrl: entry?.provider.pricingUrls[0],
      at: at.toISOString(),
    },
  }
}

/**
 * calculateOpenAICost (seed name, docs/seed-names.md), with OpenAI's counting: `inputTokens` includes
 * `cachedInputTokens`, `outputTokens` includes reasoning tokens.
 */
export function calculateOpenAICost(
  inputTokens: number,
  outputTokens: number,
  model: string,
  options: TextCostOptions & { cachedInputTokens?: number } = {},
): CostBreakdown {
  if (![inputTokens, outputTokens, options.cachedInputTokens ?? 0].every(validCount))
    return unpriced('token counts must be non-negative integers')
  return calculateTextCost('openai', model, fromOpenAIUsage(inputTokens, outputTokens, options.cachedInputTokens ?? 0), options)
}
