import 'server-only'
import { configuredVendors } from '@/lib/gateway/routing'
import { IMAGE_PRICES } from '@/lib/pricing/data/image-prices'
import { VIDEO_PRICES } from '@/lib/pricing/data/video-prices'
import { periodAt } from '@/lib/pricing/periods'
import { textCatalog } from '@/lib/pricing/text-catalog'
import type { PriceOverride } from '@/lib/pricing/types'
import { getAdapter } from '@/lib/providers/registry'
import type { ProviderId } from '@/lib/providers/types'

export type ModelListing = {
  id: string
  object: 'model'
  created: number
  owned_by: string
  services: string[]
  served_by: string
  pricing: { unit: string; rates: Record<string, unknown>; effective_from: string | null; source: string | null }
}

const flatRate = (rate: unknown) => (rate && typeof rate === 'object' && 'base' in rate ? rate : rate)

/**
 * GET /api/v1/models: every model this deployment can serve right now, who serves it (the
 * vendor, or the simulator when its key is missing) and its current prices.
 */
export function listModels(overrides: readonly PriceOverride[], at = new Date()): ModelListing[] {
  const live = new Set<string>(configuredVendors())
  const serving = (vendor: string, service: 'chat' | 'image' | 'video') => {
    const adapter = getAdapter(vendor as ProviderId)
    const capable = adapter && (service === 'chat' ? adapter.chat : service === 'image' ? adapter.image : adapter.video)
    return live.has(vendor) && capable ? vendor : 'simulator'
  }
  const models: ModelListing[] = []

  // Chat models go to the OpenAI-compatible upstream, whoever made them.
  const chatServer = serving('openai', 'chat')
  for (const provider of textCatalog.providers) {
    for (const model of provider.models) {
      const period = periodAt(model.periods, at)
      if (!period?.rates.input_mtok || !period.rates.output_mtok || model.deprecated) continue
      models.push({
        id: model.id,
        object: 'model',
        created: 0,
        owned_by: provider.id,
        services: ['chat', 'content'],
        served_by: chatServer,
        pricing: {
          unit: 'usd_per_million_tokens',
          rates: Object.fromEntries(Object.entries(period.rates).map(([k, v]) => [k, flatRate(v)])),
          effective_from: period.effectiveFrom,
          source: textCatalog.source,
        },
      })
    }
  }
  for (const [service, catalog] of [['image', IMAGE_PRICES], ['video', VIDEO_PRICES]] as const) {
    for (const entry of catalog) {
      const period = periodAt(entry.periods, at)
      if (!period) continue
      models.push({
        id: entry.model,
        object: 'model',
        created: 0,
        owned_by: entry.provider,
        services: [service],
        served_by: serving(entry.provider, service),
        pricing: { unit: `usd_per_${entry.unit}`, rates: period.prices, effective_from: period.effectiveFrom, source: entry.source },
      })
    }
  }
  // Operators' overrides in force now replace the listed rate (and may add models).
  for (const o of overrides) {
    if (o.effectiveFrom > at || (o.effectiveTo && o.effectiveTo <= at)) continue
    let listing = models.find((m) => m.id === o.model && m.owned_by === o.provider)
    if (!listing) {
      const service = o.unit.endsWith('_mtok') ? 'chat' : o.unit === 'image' ? 'image' : 'video'
      listing = {
        id: o.model,
        object: 'model',
        created: 0,
        owned_by: o.provider,
        services: service === 'chat' ? ['chat', 'content'] : [service],
        served_by: serving(service === 'chat' ? 'openai' : o.provider, service),
        pricing: { unit: o.unit.endsWith('_mtok') ? 'usd_per_million_tokens' : `usd_per_${o.unit}`, rates: {}, effective_from: null, source: null },
      }
      models.push(listing)
    }
    listing.pricing.rates[o.variant ? `${o.unit}:${o.variant}` : o.unit] = o.price
    listing.pricing.source = `override:${o.id}`
  }
  return models
}
