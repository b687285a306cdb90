import 'server-only'
import { listModels, type ModelListing } from '@/lib/gateway/models'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import type { PriceOverride } from '@/lib/pricing/types'

// What the deployment serves and what each model costs now, for the console's Models page: the
// same list GET /api/v1/models answers (routing's catalog, the providers file, the keys that are
// set), with each rate's origin spelled out: the bundled catalog, or the operator's override in
// force, with its dates. Read through the gateway's own override cache, so the page shows the
// prices the gateway is charging in this process.

export type PriceLine = {
  /** The catalog's unit key: input_mtok, output_mtok, cache_read_mtok, image, second… */
  unit: string
  /** '' for every variant; a media variant such as "hd|1792x1024". */
  variant: string
  /** USD per unit (per million tokens for *_mtok), a decimal string; a tier table as JSON. */
  price: string
  origin: 'catalog' | 'override'
  /** The catalog's source (its name or URL), or the override's own source text. */
  source: string | null
  from: string | null
  to: string | null
  overrideId?: string
}

export type ServedModel = {
  id: string
  owner: string
  /** The provider calls go to. */
  provider: string
  /** Who answers now: the provider, or "simulator" while its key is missing. */
  servedBy: string
  services: string[]
  prices: PriceLine[]
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The unit a listing's rate key stands for: text keys are units; media keys are variants of the listing's unit. */
function linesOf(listing: ModelListing): PriceLine[] {
  const unit = listing.pricing.unit.slice('usd_per_'.length)
  const media = unit === 'million_tokens' ? null : unit
  return Object.entries(listing.pricing.rates).map(([key, value]) => ({
    unit: media ?? key,
    variant: media ? key : '',
    price: typeof value === 'string' ? value : JSON.stringify(value),
    origin: 'catalog' as const,
    source: listing.pricing.source,
    from: listing.pricing.effective_from,
    to: null,
  }))
}

function inForce(o: PriceOverride, at: Date): boolean {
  return o.effectiveFrom <= at && (!o.effectiveTo || o.effectiveTo > at)
}

/** The same match lib/gateway/models.ts applies: model id in any case, provider as owner or server. */
function overridesOf(listing: ModelListing, overrides: readonly PriceOverride[]): PriceOverride[] {
  const id = listing.id.toLowerCase()
  return overrides.filter((o) => o.model.toLowerCase() === id && (o.provider === listing.owned_by || o.provider === listing.provider))
}

/**
 * Every model served now with its effective prices. `sources`: override id → the source text
 * written with it (listPriceOverrides keeps only what pricing needs).
 */
export async function listServedModels(sources: ReadonlyMap<string, string> = new Map(), at = new Date()): Promise<ServedModel[]> {
  const active = (await listPriceOverrides()).filter((o) => inForce(o, at))
  const catalog = new Map(listModels([], at).map((m) => [`${m.provider}\u0000${m.id}`, m]))
  return listModels(active, at).map((listing) => {
    const base = catalog.get(`${listing.provider}\u0000${listing.id}`)
    const lines = base ? linesOf(base) : []
    for (const o of overridesOf(listing, active)) {
      const line: PriceLine = { unit: o.unit, variant: o.variant, price: o.price, origin: 'override', source: sources.get(o.id) ?? null, from: iso(o.effectiveFrom), to: iso(o.effectiveTo), overrideId: o.id }
      const at = lines.findIndex((l) => l.unit === o.unit && l.variant === o.variant)
      if (at >= 0) lines[at] = line
      else lines.push(line)
    }
    return { id: listing.id, owner: listing.owned_by, provider: listing.provider, servedBy: listing.served_by, services: listing.services, prices: lines }
  })
}

/** The effective price of one unit of a served model now, or null when neither the catalog nor an override prices it. */
export function effectivePrice(models: readonly ServedModel[], model: string, unit: string, variant = ''): PriceLine | null {
  const wanted = model.toLowerCase()
  const found = models.find((m) => m.id.toLowerCase() === wanted)
  return found?.prices.find((p) => p.unit === unit && p.variant === variant) ?? null
}
