// Image and video costs from the curated media catalog, with operator overrides on top.
import { IMAGE_PRICES } from '@/lib/pricing/data/image-prices'
import { LUMA_FRAME, VIDEO_PRICES } from '@/lib/pricing/data/video-prices'
import type { MediaPriceEntry } from '@/lib/pricing/media-catalog-types'
import { costOf, formatUsd, parseUsd, type Usd } from '@/lib/pricing/money'
import { overrideAt, periodAt } from '@/lib/pricing/periods'
import { priceTextUsage, resolveTextModel } from '@/lib/pricing/text'
import { unpriced, type CostBreakdown, type PriceOverride } from '@/lib/pricing/types'

type Options = { at?: Date; overrides?: readonly PriceOverride[] }
/**
 * The catalog entry the caller already resolved (the gateway's routing): used as is, null
 * meaning "none, an override may price it". Absent: looked up here.
 */
type Resolved = { entry?: MediaPriceEntry | null }

function entryOf(catalog: MediaPriceEntry[], input: Resolved & { provider: string; model: string }): MediaPriceEntry | undefined {
  return input.entry !== undefined ? (input.entry ?? undefined) : findEntry(catalog, input.provider, input.model)
}
type Dims = Partial<Record<'quality' | 'size' | 'resolution', string>>

function findEntry(catalog: MediaPriceEntry[], provider: string, model: string): MediaPriceEntry | undefined {
  const id = model.trim()
  return catalog.find((e) => e.provider === provider && (e.model === id || e.aliases?.includes(id)))
}

/** Normalises "1792×1024" / "1792X1024" to "1792x1024", and lower-cases qualities. */
function normalise(field: keyof Dims, value: string): string {
  const v = value.trim().toLowerCase()
  if (field !== 'size') return v
  // "1024 × 1024" → "1024x1024": split at the first separator and trim each side (a regex with
  // \s* on both sides moves quadratically over a long run of spaces).
  const at = v.search(/[x×*]/)
  return at < 0 ? v : `${v.slice(0, at).trimEnd()}x${v.slice(at + 1).trimStart()}`
}

function variantKey(entry: MediaPriceEntry, dims: Dims): { key: string; assumed: boolean } {
  let assumed = false
  const parts = entry.variantBy.map((field) => {
    const requested = normalise(field, dims[field] ?? entry.defaults?.[field] ?? '')
    const alias = entry.aliasesOf?.[field]?.[requested]
    if (alias && requested === 'auto') assumed = true
    return alias ?? requested
  })
  return { key: parts.join('|'), assumed }
}

type Priced = { rate: string; source: string; variant: string; assumed: boolean; effectiveFrom: string | null }

/** The unit price of a variant at `at`: an override if one is in force, else the catalog's. */
function unitPrice(entry: MediaPriceEntry | undefined, provider: string, model: string, unit: string, dims: Dims, opts: Options, at: Date): Priced | string {
  const { key, assumed } = entry ? variantKey(entry, dims) : { key: '', assumed: false }
  const override = overrideAt(opts.overrides, { provider, model, unit, variant: key }, at)
  if (override) return { rate: override.price, source: `override:${override.id}`, variant: key, assumed, effectiveFrom: override.effectiveFrom.toISOString().slice(0, 10) }
  if (!entry) return `unknown model ${provider}/${model}`
  const period = periodAt(entry.periods, at)
  const rate = period?.prices[key]
  if (!period || rate === undefined) return `${provider}/${model} has no ${unit} price for ${key ? `"${key}"` : 'this request'}`
  return { rate, source: entry.source, variant: key, assumed, effectiveFrom: period.effectiveFrom }
}

function breakdown(generation: Usd, priced: Priced, entry: MediaPriceEntry | undefined, provider: string, model: string, unit: string, at: Date): CostBreakdown {
  return {
    costStatus: priced.assumed ? 'estimated' : 'priced',
    inputCost: '0',
    outputCost: '0',
    generationCost: formatUsd(generation),
    totalCost: formatUsd(generation),
    priceSnapshot: {
      provider,
      model,
      pricedAs: entry ? `${entry.provider}/${entry.model}` : `override:${provider}/${model}`,
      rates: { [unit]: priced.rate },
      variant: priced.variant || undefined,
      effectiveFrom: priced.effectiveFrom,
      sources: { [unit]: priced.source },
      sourceUrl: entry?.source,
      checked: entry?.checked,
      at: at.toISOString(),
    },
    ...(priced.assumed ? { note: '"auto" priced as the costliest option it can choose' } : {}),
  }
}

export type ImageCostInput = Resolved & {
  provider: string
  model: string
  size?: string
  quality?: string
  count?: number
  at?: Date
  overrides?: readonly PriceOverride[]
  /** Token usage from a token-billed image model's response (gpt-image-1): billed instead of the per-image table. */
  usage?: { inputTextTokens: number; inputImageTokens?: number; outputImageTokens: number }
}

export function calculateImageCost(input: ImageCostInput): CostBreakdown {
  const at = input.at ?? new Date()
  const count = input.count ?? 1
  if (!Number.isSafeInteger(count) || count < 1) return unpriced('image count must be a positive integer')
  if (input.usage) return imageTokenCost(input, at)
  const entry = entryOf(IMAGE_PRICES, input)
  const priced = unitPrice(entry, input.provider, input.model, 'image', { size: input.size, quality: input.quality }, input, at)
  if (typeof priced === 'string') return unpriced(priced)
  return breakdown(costOf(parseUsd(priced.rate), count), priced, entry, input.provider, input.model, 'image', at)
}

/** gpt-image-1 bills text in, image in and image out tokens; their rates come from the text catalog. */
function imageTokenCost(input: ImageCostInput, at: Date): CostBreakdown {
  const u = input.usage!
  const model = resolveTextModel(input.provider, input.model)
  const text = priceTextUsage(model, { uncachedInputTokens: u.inputTextTokens, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: u.outputImageTokens }, input)
  if (text.costStatus === 'unpriced' || !u.inputImageTokens) return text
  const override = overrideAt(input.overrides, { provider: input.provider, model: input.model, unit: 'input_image_mtok' }, at)
  const catalogRate = model.entry && periodAt(model.entry.model.periods, at)?.rates.input_image_mtok
  const imageRate = override?.price ?? (typeof catalogRate === 'string' ? catalogRate : undefined)
  if (!imageRate || !Number.isSafeInteger(u.inputImageTokens) || u.inputImageTokens < 0)
    return unpriced(`no image-input token price for ${input.provider}/${input.model}`)
  const inputCost = parseUsd(text.inputCost!) + costOf(parseUsd(imageRate), u.inputImageTokens, 1_000_000)
  const snapshot = text.priceSnapshot!
  return {
    ...text,
    inputCost: formatUsd(inputCost),
    totalCost: formatUsd(inputCost + parseUsd(text.outputCost!)),
    priceSnapshot: {
      ...snapshot,
      rates: { ...snapshot.rates, input_image_mtok: imageRate },
      sources: { ...snapshot.sources, input_image_mtok: override ? `override:${override.id}` : snapshot.sources.input_mtok },
    },
  }
}

export type VideoCostInput = Resolved & {
  provider: string
  model: string
  /** Output seconds, up to millisecond precision. */
  seconds: number | string
  resolution?: string
  at?: Date
  overrides?: readonly PriceOverride[]
}

const SECONDS = /^\d+(\.\d{1,3})?$/

export function calculateVideoCost(input: VideoCostInput): CostBreakdown {
  const at = input.at ?? new Date()
  const text = String(input.seconds)
  if (!SECONDS.test(text)) return unpriced('seconds must be a non-negative number with at most 3 decimals')
  const [whole, frac = ''] = text.split('.')
  const milliseconds = BigInt(whole) * 1000n + BigInt(frac.padEnd(3, '0'))
  const entry = entryOf(VIDEO_PRICES, input)
  const unit = entry?.unit ?? 'second'
  const priced = unitPrice(entry, input.provider, input.model, unit, { resolution: input.resolution }, input, at)
  if (typeof priced === 'string') return unpriced(priced)
  const rate = parseUsd(priced.rate)
  let cost: Usd
  if (unit === 'megapixel') {
    const pixels = LUMA_FRAME.pixels[priced.variant]
    if (!pixels) return unpriced(`no frame size known for resolution "${priced.variant}"`)
    cost = costOf(rate, BigInt(pixels * LUMA_FRAME.fps) * milliseconds, 1_000_000n * 1000n)
  } else if (unit === 'generation') {
    cost = rate
  } else {
    cost = costOf(rate, milliseconds, 1000n)
  }
  return breakdown(cost, priced, entry, input.provider, input.model, unit, at)
}
