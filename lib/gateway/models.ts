import 'server-only'
import { configuredVendors } from '@/lib/gateway/routing'
import { IMAGE_PRICES } from '@/lib/pricing/data/image-prices'
import { VIDEO_PRICES } from '@/lib/pricing/data/video-prices'
import { periodAt } from '@/lib/pricing/periods'
import { findTextModel, textCatalog } from '@/lib/pricing/text-catalog'
import type { TextModelEntry } from '@/lib/pricing/text-catalog-types'
import type { PriceOverride } from '@/lib/pricing/types'
import { getAdapter } from '@/lib/providers/registry'
import { resolveTextTarget, type TextTarget } from '@/lib/gateway/text-route'
import { providerNamed, providerOfCatalog, textProviders, type TextProvider } from '@/lib/providers/text-providers'

export type ModelListing = {
  id: string
  object: 'model'
  created: number
  /** Who made the model (the price catalog's vendor), as OpenAI's list says. */
  owned_by: string
  services: string[]
  /** The provider calls go to (`provider/model` names it), whether or not it is on. */
  provider: string
  /** Who answers now: the provider, or the simulator when its key is missing. */
  served_by: string
  pricing: { unit: string; rates: Record<string, unknown>; effective_from: string | null; source: string | null }
}

const TEXT_SERVICES = ['chat', 'content']
const TOKENS = 'usd_per_million_tokens'

/** A text model's listing; null for one the list leaves out (deprecated, or not priced now), unless `routed` (a call names it). */
function textListing(id: string, owner: string, provider: TextProvider, model: TextModelEntry | null, at: Date, routed = false): ModelListing | null {
  const period = model ? periodAt(model.periods, at) : undefined
  if (!routed && model && (!period?.rates.input_mtok || !period.rates.output_mtok || model.deprecated)) return null
  return {
    id,
    object: 'model',
    created: 0,
    owned_by: owner,
    services: TEXT_SERVICES,
    provider: provider.id,
    served_by: provider.enabled ? provider.id : 'simulator',
    pricing: period
      ? { unit: TOKENS, rates: { ...period.rates }, effective_from: period.effectiveFrom, source: period.source ?? textCatalog.source }
      : { unit: TOKENS, rates: provider.local ? { input_mtok: '0', output_mtok: '0' } : {}, effective_from: null, source: provider.local ? 'local server' : null },
  }
}

// Where a bare id goes (routing never changes while the process runs): a model is listed only
// under the provider that would serve it, so the list never offers what routing sends elsewhere.
const routing = new Map<string, string | null>()
function routedTo(id: string): string | null {
  if (!routing.has(id)) {
    let provider: string | null = null
    try {
      provider = resolveTextTarget(id, []).provider.id
    } catch {
      // not routable by its bare id: not listed
    }
    routing.set(id, provider)
  }
  return routing.get(id)!
}

/** Text models: each vendor's catalog (simulated while its key is missing); hosts' catalogs and operators' models once they are on. */
function textModels(at: Date): ModelListing[] {
  const out: ModelListing[] = []
  // One listing per id, where a bare id routes: Google's catalog also prices Claude (on Vertex),
  // which the Gemini API does not serve; gpt-image-1 is an image model, listed as one below.
  const seen = new Set<string>([...IMAGE_PRICES, ...VIDEO_PRICES].map((e) => e.model))
  for (const provider of textProviders) {
    // A host without a key would list hundreds of other vendors' models, all simulated: only vendors do.
    if (!provider.vendor && !provider.enabled) continue
    for (const catalogId of provider.catalog) {
      const entry = textCatalog.providers.find((p) => p.id === catalogId)
      for (const model of entry?.models ?? []) {
        const id = provider.vendor ? model.id : `${provider.id}/${model.id}`
        if (seen.has(id) || (provider.vendor && routedTo(id) !== provider.id)) continue
        const listing = textListing(id, catalogId, provider, model, at)
        if (!listing) continue
        out.push(listing)
        seen.add(id)
      }
    }
    for (const declared of provider.models) {
      const [by, ...rest] = declared.pricedAs?.split('/') ?? []
      const priced = declared.pricedAs ? findTextModel(by, rest.join('/'), { only: true }) : null
      const listing = textListing(`${provider.id}/${declared.id}`, provider.id, provider, priced?.model ?? null, at)
      if (listing) out.push(listing)
    }
  }
  return out
}

/**
 * GET /api/v1/models: every model this deployment can serve right now, who serves it (the
 * provider, or the simulator when its key is missing) and its current prices.
 */
export function listModels(overrides: readonly PriceOverride[], at = new Date()): ModelListing[] {
  const live = new Set<string>(configuredVendors())
  const mediaServer = (vendor: string, service: 'image' | 'video') => {
    const adapter = getAdapter(vendor)
    return live.has(vendor) && (service === 'image' ? adapter?.image : adapter?.video) ? vendor : 'simulator'
  }
  const models = textModels(at)
  for (const [service, catalog] of [['image', IMAGE_PRICES], ['video', VIDEO_PRICES]] as const) {
    for (const entry of catalog) {
      const period = periodAt(entry.periods, at)
      // Two vendors price flux-dev: routing takes the first, and so does the list.
      if (!period || models.some((m) => m.id === entry.model)) continue
      const served = mediaServer(entry.provider, service)
      models.push({
        id: entry.model,
        object: 'model',
        created: 0,
        owned_by: entry.provider,
        services: [service],
        provider: entry.provider,
        served_by: served,
        pricing: { unit: `usd_per_${entry.unit}`, rates: period.prices, effective_from: period.effectiveFrom, source: entry.source },
      })
    }
  }
  // Operators' overrides in force now replace the listed rate (and may add models).
  for (const o of overrides) {
    if (o.effectiveFrom > at || (o.effectiveTo && o.effectiveTo <= at)) continue
    const text = o.unit.endsWith('_mtok')
    const owner = text ? (providerNamed(o.provider) ?? providerOfCatalog(o.provider)) : undefined
    let listing = models.find((m) => m.id.toLowerCase() === o.model.toLowerCase() && (m.owned_by === o.provider || m.provider === o.provider))
    if (!listing) {
      if (text && !owner) continue
      const service = text ? 'chat' : o.unit === 'image' ? 'image' : 'video'
      listing = {
        id: o.model,
        object: 'model',
        created: 0,
        owned_by: o.provider,
        services: text ? TEXT_SERVICES : [service],
        provider: owner?.id ?? o.provider,
        served_by: owner ? (owner.enabled ? owner.id : 'simulator') : mediaServer(o.provider, service as 'image' | 'video'),
        pricing: { unit: text ? TOKENS : `usd_per_${o.unit}`, rates: {}, effective_from: null, source: null },
      }
      models.push(listing)
    }
    listing.pricing.rates[o.variant ? `${o.unit}:${o.variant}` : o.unit] = o.price
    listing.pricing.source = `override:${o.id}`
  }
  return models
}

/**
 * GET /api/v1/models/{id}: the model a call naming `id` would reach, as the list shows it, or
 * null when no call could (a 404, as OpenAI answers). A listed id is its listing. Any other name
 * routing accepts (`openai/gpt-4o`, an alias, another case, a host's model while the host has no
 * key and is left out of the list) is the listing of the model routing sends it to, under the
 * name asked; a model routing serves but the list leaves out (deprecated) is described the same
 * way. `models`: the list, when the caller has it.
 */
export function findModel(id: string, overrides: readonly PriceOverride[], at = new Date(), models = listModels(overrides, at)): ModelListing | null {
  const listed = models.find((m) => m.id === id)
  if (listed) return listed
  let target: TextTarget
  try {
    target = resolveTextTarget(id, overrides)
  } catch {
    // Not a text model routing knows: a media model's id is found only as listed (any case).
    return models.find((m) => !m.services.includes('chat') && m.id.toLowerCase() === id.toLowerCase()) ?? null
  }
  const { provider, entry, upstreamModel } = target
  const names = new Set([upstreamModel, `${provider.id}/${upstreamModel}`, ...(entry ? [entry.model.id, `${provider.id}/${entry.model.id}`] : [])].map((n) => n.toLowerCase()))
  const same = models.find((m) => m.provider === provider.id && m.services.includes('chat') && names.has(m.id.toLowerCase()))
  const found = same ?? textListing(id, entry?.provider.id ?? target.pricingProvider, provider, entry?.model ?? null, at, true)
  return found && { ...found, id }
}
