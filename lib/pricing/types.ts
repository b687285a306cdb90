// What every calculator returns. Costs are decimal strings (USD) or null when unpriced —
// never "0" for something we could not price.

export type CostStatus = 'priced' | 'estimated' | 'unpriced'

/** The rates a cost was computed from, stored with the usage row so a bill can be re-derived. */
export type PriceSnapshot = {
  provider: string
  model: string
  /** The catalog or override entry that priced it (catalogs match families of model ids). */
  pricedAs: string
  /** Rate key → USD decimal string, after tiers and overrides, e.g. { input_mtok: "1.25" }. */
  rates: Record<string, string>
  /** Which variant of a media price applied, e.g. "hd|1792x1024" or "720p". */
  variant?: string
  effectiveFrom: string | null
  /** Where each rate came from: the catalog's name, or "override:<id>". */
  sources: Record<string, string>
  sourceUrl?: string
  checked?: string
  at: string
}

export type CostBreakdown = {
  costStatus: CostStatus
  inputCost: string | null
  outputCost: string | null
  generationCost: string | null
  totalCost: string | null
  priceSnapshot: PriceSnapshot | null
  /** Why a call is unpriced or estimated, for logs and the dashboard. */
  note?: string
}

/** An operator's price from the model_prices table (see lib/pricing/model-prices.ts). */
export type PriceOverride = {
  id: string
  provider: string
  model: string
  /** Same keys as the catalogs: input_mtok, output_mtok, cache_read_mtok, image, second, megapixel… */
  unit: string
  /** '' for every variant, or a media variant key such as "hd|1792x1024" or "720p". */
  variant: string
  price: string
  effectiveFrom: Date
  effectiveTo: Date | null
}

export function unpriced(note: string): CostBreakdown {
  return { costStatus: 'unpriced', inputCost: null, outputCost: null, generationCost: null, totalCost: null, priceSnapshot: null, note }
}
