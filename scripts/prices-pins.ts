// What the price build adds to genai-prices' data: hand-checked dated pins, and the rates
// genai-prices has no key for (Anthropic's 1-hour cache writes).
import type { TextPricePin } from '../lib/pricing/data/text-price-pins'
import { matches } from '../lib/pricing/match'
import { formatUsd, parseUsd } from '../lib/pricing/money'
import type { TextCatalog, TextModelEntry, TextPricePeriod, TextRate } from '../lib/pricing/text-catalog-types'

function sameRates(a: TextPricePeriod['rates'], b: TextPricePeriod['rates']): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())
}

/** The entry a pin applies to: the one with its id, or a new one split off the family entry matching it. */
function entryFor(models: TextModelEntry[], pin: TextPricePin): TextModelEntry {
  const own = models.find((m) => m.id === pin.model)
  if (own) return own
  const family = models.findIndex((m) => matches(m.match, pin.model))
  if (family < 0) throw new Error(`pin ${pin.provider}/${pin.model}: no catalog entry has or matches this id`)
  // The family's name, context window and periods, under the alias's own id and match.
  // Placed before the family entry, so both the exact-id and the match lookups find it first.
  const split: TextModelEntry = { ...structuredClone(models[family]), id: pin.model, match: { equals: pin.model } }
  models.splice(family, 0, split)
  return split
}

/**
 * Merges `pins` into `catalog` (in place) as dated periods; returns warnings for the reviewer
 * (a pin genai-prices now has). A pin dated like an existing period replaces it: the pin is the
 * checked figure.
 */
export function applyPins(catalog: TextCatalog, pins: readonly TextPricePin[]): string[] {
  const warnings: string[] = []
  for (const pin of pins) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(pin.effectiveFrom)) throw new Error(`pin ${pin.provider}/${pin.model}: effectiveFrom must be YYYY-MM-DD`)
    if (pin.rates.input_mtok === undefined || pin.rates.output_mtok === undefined)
      throw new Error(`pin ${pin.provider}/${pin.model}: input_mtok and output_mtok are required`)
    for (const rate of Object.values(pin.rates)) parseUsd(rate)
    const provider = catalog.providers.find((p) => p.id === pin.provider)
    if (!provider) throw new Error(`pin ${pin.provider}/${pin.model}: the catalog has no provider ${pin.provider}`)
    const entry = entryFor(provider.models, pin)
    const period: TextPricePeriod = { effectiveFrom: pin.effectiveFrom, rates: { ...pin.rates }, source: `${pin.source}, checked ${pin.checked}` }
    const same = entry.periods.findIndex((p) => p.effectiveFrom === pin.effectiveFrom)
    if (same >= 0) {
      if (!entry.periods[same].source && sameRates(entry.periods[same].rates, period.rates))
        warnings.push(`pin ${pin.provider}/${pin.model} from ${pin.effectiveFrom} is now in @pydantic/genai-prices: delete it`)
      entry.periods[same] = period
    } else entry.periods.push(period)
    entry.periods.sort((a, b) => (a.effectiveFrom ?? '').localeCompare(b.effectiveFrom ?? ''))
  }
  return warnings
}

function double(rate: TextRate): TextRate {
  const twice = (price: string) => formatUsd(parseUsd(price) * 2n)
  return typeof rate === 'string' ? twice(rate) : { base: twice(rate.base), tiers: rate.tiers.map((t) => ({ start: t.start, price: twice(t.price) })) }
}

/**
 * Anthropic bills 1-hour cache writes at 2× the base input rate (5-minute writes: 1.25×, which
 * genai-prices has as cache_write_mtok); tiered input, tiered alike. Only where the model
 * takes cache writes at all.
 */
export function deriveAnthropicCacheWrite1h(catalog: TextCatalog): void {
  for (const model of catalog.providers.find((p) => p.id === 'anthropic')?.models ?? [])
    for (const period of model.periods)
      if (period.rates.input_mtok !== undefined && period.rates.cache_write_mtok !== undefined)
        period.rates.cache_write_1h_mtok = double(period.rates.input_mtok)
}
