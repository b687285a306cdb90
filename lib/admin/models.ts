import 'server-only'
import { usageByModel, type ModelUsage } from '@/lib/admin/reports/models'
import type { ReportRange } from '@/lib/admin/reports/range'
import { listModels, type ModelListing } from '@/lib/gateway/models'
import { formatUsd, parseUsd, sumUsd } from '@/lib/pricing/money'
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

export type ServedModelWithUsage = ServedModel & { calls: number; cost: string | null }
export type UnpricedCalls = ModelUsage & { /** The deployment serves no model of that name now (an unknown or retired id). */ unknown: boolean }

export type ModelsReport = {
  models: ServedModelWithUsage[]
  /** Served models matching the search, before the page's cap. */
  matching: number
  usage: ModelUsage[]
  unpriced: UnpricedCalls[]
}

/**
 * The Models page: served models (called ones first, then by name; `q` filters id, provider
 * and owner; at most `limit`) with calls and cost in `range` from the console rollups, usage by
 * model × provider, and the calls no price covered (unpriced or estimated).
 */
export async function getModelsReport(range: ReportRange, options: { q?: string; limit?: number; sources?: ReadonlyMap<string, string> } = {}): Promise<ModelsReport> {
  const [served, usage] = await Promise.all([listServedModels(options.sources), usageByModel(range)])
  // Usage rows name the model as sent upstream and the provider that answered (the simulator
  // while a key is missing): the served list matches them by model id.
  const byModel = new Map<string, { calls: number; cost: bigint[] }>()
  for (const u of usage) {
    const entry = byModel.get(u.model.toLowerCase()) ?? { calls: 0, cost: [] }
    entry.calls += u.calls
    entry.cost.push(parseUsd(u.cost))
    byModel.set(u.model.toLowerCase(), entry)
  }
  const q = options.q?.trim().toLowerCase() ?? ''
  const matching = served
    .filter((m) => !q || m.id.toLowerCase().includes(q) || m.provider.includes(q) || m.owner.toLowerCase().includes(q))
    .map((m) => {
      const u = byModel.get(m.id.toLowerCase())
      return { ...m, calls: u?.calls ?? 0, cost: u ? formatUsd(sumUsd(u.cost)) : null }
    })
    .sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id))
  const known = new Set(served.map((m) => m.id.toLowerCase()))
  return {
    models: matching.slice(0, options.limit ?? 100),
    matching: matching.length,
    usage,
    unpriced: usage.filter((u) => u.unpriced > 0 || u.estimated > 0).map((u) => ({ ...u, unknown: !known.has(u.model.toLowerCase()) })),
  }
}
