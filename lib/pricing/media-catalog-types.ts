// Curated media prices: no package carries them. Every entry names its unit, a source URL and
// the date the price was last checked against it.

export type MediaUnit = 'image' | 'second' | 'megapixel' | 'generation'

export type MediaPricePeriod = {
  /** ISO date from which these prices apply; null: as far back as we know. */
  effectiveFrom: string | null
  /** Variant key → USD per unit, as a decimal string. '' is the only key of a flat price. */
  prices: Record<string, string>
}

export type MediaPriceEntry = {
  provider: string
  model: string
  /** Other ids the same price covers (dated snapshots, vendor spellings). */
  aliases?: string[]
  unit: MediaUnit
  /**
   * How a request picks its variant key: the listed request fields, joined with '|'
   * ("hd|1792x1024"). Empty: one flat price.
   */
  variantBy: ('quality' | 'size' | 'resolution')[]
  /** Values used when the request leaves a field out, as the vendor's API does. */
  defaults?: Partial<Record<'quality' | 'size' | 'resolution', string>>
  /** Request values that mean another variant ("auto" quality → the vendor's costliest). */
  aliasesOf?: Partial<Record<'quality' | 'size' | 'resolution', Record<string, string>>>
  /**
   * Video: the output lengths (seconds) the model offers, its default first; or, for a model
   * whose output is as long as its input, the most it makes. Absent: any length up to 60 s.
   */
  durations?: { offered: number[] } | { upTo: number }
  periods: MediaPricePeriod[]
  source: string
  checked: string
  note?: string
}
