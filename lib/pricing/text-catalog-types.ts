// Shape of lib/pricing/data/text-prices.json, written by `npm run prices:update`.

export type MatchLogic =
  | { and: MatchLogic[] }
  | { or: MatchLogic[] }
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }

/** A rate in USD per million tokens, as a decimal string; tiered by prompt size where the vendor does that. */
export type TextRate = string | { base: string; tiers: { start: number; price: string }[] }

/** The keys we bill. Inputs follow each vendor's own counting; see text.ts for how they combine. */
export type TextRateKey =
  | 'input_mtok'
  | 'cache_read_mtok'
  | 'cache_write_mtok'
  /** Anthropic's 1-hour cache writes (2× input); derived by the price build, genai-prices has no key for it. */
  | 'cache_write_1h_mtok'
  | 'output_mtok'
  | 'input_image_mtok'
  | 'output_image_mtok'

export type TextPricePeriod = {
  /** ISO date from which these rates apply; null: since the model's release. */
  effectiveFrom: string | null
  rates: Partial<Record<TextRateKey, TextRate>>
  /** Where these rates come from when not the catalog's source: a hand-checked pin (text-price-pins.ts). */
  source?: string
}

export type TextModelEntry = {
  id: string
  name?: string
  match: MatchLogic
  contextWindow?: number
  deprecated?: boolean
  /** Oldest first; the one in force is the last whose effectiveFrom ≤ the call's time. */
  periods: TextPricePeriod[]
  comments?: string
}

export type TextProviderEntry = {
  id: string
  name: string
  pricingUrls: string[]
  models: TextModelEntry[]
}

export type TextCatalog = {
  source: string
  providers: TextProviderEntry[]
}
