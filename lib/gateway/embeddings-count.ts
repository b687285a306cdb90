// What an embeddings call costs: its input tokens, counted by the gateway (for the admission
// hold, for OpenAI's token caps, and as the bill when the upstream reports none: Gemini), and
// priced per million input tokens, the only unit embeddings are billed in.
import 'server-only'
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base'
import { AppError } from '@/lib/errors'
import type { TextRoute } from '@/lib/gateway/routing'
import { costColumns } from '@/lib/metering/row'
import { costOf, formatUsd, parseUsd } from '@/lib/pricing/money'
import { overrideAt, periodAt } from '@/lib/pricing/periods'
import { textCatalog } from '@/lib/pricing/text-catalog'
import { unpriced, type CostBreakdown, type PriceOverride } from '@/lib/pricing/types'
import { EMBEDDING_LIMITS, type EmbeddingItem } from '@/lib/providers/embeddings'

// BPE cost grows with the square of a run without spaces (1 MB of CJK text took minutes in one
// piece): text is counted in pieces of at most this many characters, cut before a space where
// there is one (where the tokenizer would split anyway), so ordinary text counts exactly and
// pathological text costs ~0.2 s per million characters. A hard cut may add a token.
const PIECE = 500
// The event loop is let go between this many characters of counting.
const YIELD_EVERY = 100_000

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/** The end of the piece starting at `start`: before the last whitespace in reach, never inside a surrogate pair. */
function pieceEnd(text: string, start: number): number {
  const limit = start + PIECE
  if (limit >= text.length) return text.length
  for (let i = limit; i > start + PIECE / 2; i--) if (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 10) return i
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * The input tokens of each item (cl100k_base, OpenAI's embedding models' tokenizer), refusing
 * OpenAI's way an input above 8,192 tokens or a request above 300,000, with the input named.
 * Counting stops at the first cap exceeded, so an oversized body costs no more than a valid one.
 */
export async function countEmbeddingTokens(items: readonly EmbeddingItem[], single: boolean): Promise<{ total: number; each: number[] }> {
  let total = 0
  const each: number[] = []
  let sinceYield = 0
  for (const [index, item] of items.entries()) {
    const param = single ? 'input' : `input[${index}]`
    let tokens = 0
    if (typeof item !== 'string') tokens = item.length
    else
      for (let start = 0; start < item.length && tokens <= EMBEDDING_LIMITS.tokensPerInput; ) {
        const end = pieceEnd(item, start)
        tokens += countTokens(item.slice(start, end))
        sinceYield += end - start
        start = end
        if (sinceYield >= YIELD_EVERY) {
          sinceYield = 0
          await pause()
        }
      }
    if (tokens > EMBEDDING_LIMITS.tokensPerInput)
      throw new AppError('invalid_request', `${param} is too long: more than ${EMBEDDING_LIMITS.tokensPerInput} tokens (the most one input may have)`, { param })
    total += tokens
    each.push(tokens)
    if (total > EMBEDDING_LIMITS.tokensPerRequest)
      throw new AppError('invalid_request', `input is too long: more than ${EMBEDDING_LIMITS.tokensPerRequest} tokens in all (the most one request may have)`, { param: 'input' })
  }
  return { total, each }
}

/** The per-million input-token rate of the routed embedding model at `at`: an override, the catalog's, or $0 on a local server. */
function inputRate(route: TextRoute, overrides: readonly PriceOverride[], at: Date): { rate: string; source: string; effectiveFrom: string | null } | null {
  const { provider, model, entry, local } = route.text
  const override = overrideAt(overrides, { provider, model, unit: 'input_mtok' }, at)
  if (override) return { rate: override.price, source: `override:${override.id}`, effectiveFrom: override.effectiveFrom.toISOString() }
  const period = entry ? periodAt(entry.model.periods, at) : undefined
  const rate = period?.rates.input_mtok
  if (typeof rate === 'string') return { rate, source: period?.source ?? textCatalog.source, effectiveFrom: period?.effectiveFrom ?? null }
  return local ? { rate: '0', source: `local:${provider}`, effectiveFrom: null } : null
}

/** `tokens` input tokens of the routed model, priced (unpriced when no rate is known: never $0 by accident). */
export function priceEmbedding(route: TextRoute, tokens: number, overrides: readonly PriceOverride[], at = new Date()): CostBreakdown {
  const found = inputRate(route, overrides, at)
  const { provider, model, entry } = route.text
  if (!found) return unpriced(`no input price for ${provider}/${model}`)
  const cost = formatUsd(costOf(parseUsd(found.rate), tokens, 1_000_000))
  return {
    costStatus: 'priced',
    inputCost: cost,
    outputCost: '0',
    generationCost: '0',
    totalCost: cost,
    priceSnapshot: {
      provider,
      model,
      pricedAs: entry ? `${entry.provider.id}/${entry.model.id}` : found.source,
      rates: { input_mtok: found.rate },
      effectiveFrom: found.effectiveFrom,
      sources: { input_mtok: found.source },
      sourceUrl: entry?.provider.pricingUrls[0],
      at: at.toISOString(),
    },
  }
}

/**
 * The row's counts and cost columns. `counted`: the tokens are the gateway's own count (the
 * upstream reported none), so a priced call is marked `estimated`.
 */
export function embeddingCost(route: TextRoute, tokens: number, overrides: readonly PriceOverride[], counted: boolean) {
  const columns = costColumns(priceEmbedding(route, tokens, overrides), route.servedBy === 'simulator')
  return { input_tokens: tokens, output_tokens: 0, ...columns, cost_status: counted && columns.cost_status === 'priced' ? ('estimated' as const) : columns.cost_status }
}
