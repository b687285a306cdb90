import 'server-only'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { IMAGE_PRICES } from '@/lib/pricing/data/image-prices'
import { VIDEO_PRICES } from '@/lib/pricing/data/video-prices'
import type { MediaPriceEntry } from '@/lib/pricing/media-catalog-types'
import type { TextModelRef } from '@/lib/pricing/text'
import { resolveTextTarget, textServing, type TextTarget } from '@/lib/gateway/text-route'
import type { TextProvider } from '@/lib/providers/text-providers'
import type { PriceOverride } from '@/lib/pricing/types'
import { getAdapter } from '@/lib/providers/registry'
import { trimEndOf } from '@/lib/text'
import type { Protocol, ProviderAdapter, ProviderConfig, ProviderId } from '@/lib/providers/types'
import type { Service } from '@/lib/services'

export type { Service }

/** Who serves a vendor's calls now: its adapter and configuration, or the simulator. */
export type Served = {
  adapter: ProviderAdapter
  config: ProviderConfig
  /** Whose price list prices the call (the simulator is priced as the real model). */
  pricingProvider: string
  /** The provider recorded on the usage row: the vendor, or "simulator". */
  servedBy: ProviderId
}

/**
 * A call's model resolved once, with the catalog entry routing found: the estimate, the output
 * cap and the final price read it (they take the entry, not the name, so none looks it up again).
 */
export type Route = Served &
  (
    | {
        kind: 'text'
        /** Rates and context window; entry null when only an override prices it (or a local server serves it). */
        text: TextModelRef
        /** The text provider chosen (it may be off: then the simulator serves, priced as it would be). */
        provider: TextProvider
        protocol: Protocol
        /** The model id sent upstream. */
        upstreamModel: string
      }
    | { kind: 'media'; model: string; /** Null when only an operator's override prices the model. */ media: MediaPriceEntry | null }
  )
export type TextRoute = Extract<Route, { kind: 'text' }>
export type MediaRoute = Extract<Route, { kind: 'media' }>

const VENDORS: Record<Exclude<ProviderId, 'simulator'>, { apiKey?: string; baseUrl: string }> = {
  openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL },
  bfl: { apiKey: env.BFL_API_KEY, baseUrl: env.BFL_BASE_URL },
  stability: { apiKey: env.STABILITY_API_KEY, baseUrl: env.STABILITY_BASE_URL },
  ideogram: { apiKey: env.IDEOGRAM_API_KEY, baseUrl: env.IDEOGRAM_BASE_URL },
  runway: { apiKey: env.RUNWAY_API_KEY, baseUrl: env.RUNWAY_BASE_URL },
  luma: { apiKey: env.LUMA_API_KEY, baseUrl: env.LUMA_BASE_URL },
}

/** Vendors with a key configured, i.e. not served by the simulator. */
export function configuredVendors(): ProviderId[] {
  return (Object.keys(VENDORS) as (keyof typeof VENDORS)[]).filter((v) => VENDORS[v].apiKey)
}

/** The adapter and configuration serving `vendor` now (the simulator when it has no key). */
export function servedBy(vendor: string): Served {
  const adapter = getAdapter(vendor as ProviderId)
  const config = VENDORS[vendor as keyof typeof VENDORS]
  if (adapter && config?.apiKey) return { adapter, config: { apiKey: config.apiKey, baseUrl: trimEndOf(config.baseUrl, '/') }, pricingProvider: vendor, servedBy: adapter.id }
  return { adapter: getAdapter('simulator')!, config: { apiKey: '', baseUrl: '' }, pricingProvider: vendor, servedBy: 'simulator' }
}

function mediaEntry(catalog: MediaPriceEntry[], model: string): MediaPriceEntry | undefined {
  return catalog.find((e) => e.model === model || e.aliases?.includes(model))
}

/**
 * Which adapter serves `model` for `service`, and whose prices apply. Text models go to their
 * provider (lib/gateway/text-route.ts); media models to their vendor. A provider without a key
 * is replaced by the simulator. Unknown models are refused with 400 before anything is sent.
 */
export function routeModel(service: Service, model: string, overrides: readonly PriceOverride[]): Route {
  if (service === 'chat' || service === 'content') {
    const target = resolveTextTarget(model, overrides)
    return textRouteTo(target)
  }
  const entry = mediaEntry(service === 'image' ? IMAGE_PRICES : VIDEO_PRICES, model) ?? null
  const unit = service === 'image' ? ['image'] : ['second', 'megapixel', 'generation']
  const override = overrides.find((o) => o.model === model && unit.includes(o.unit))
  if (!entry && !override) throw unknownModel(model, service)
  const route = servedBy(entry?.provider ?? override!.provider)
  // Only vendors with a real adapter for this service can serve it; others are simulated.
  const capable = service === 'image' ? route.adapter.image : route.adapter.video
  const served = capable ? route : { ...servedBy('simulator'), pricingProvider: route.pricingProvider }
  return { ...served, kind: 'media', model, media: entry }
}

/** The text route to a resolved target (also each fallback's). */
export function textRouteTo(target: TextTarget): TextRoute {
  const serving = textServing(target.provider)
  const text: TextModelRef = { provider: target.pricingProvider, model: target.entry?.model.id ?? target.upstreamModel, entry: target.entry, ...(target.local ? { local: true } : {}) }
  // The simulator answers in OpenAI's shape whoever made the model.
  const protocol = serving.servedBy === 'simulator' ? 'openai' : target.provider.protocol
  return { ...serving, pricingProvider: target.pricingProvider, kind: 'text', text, provider: target.provider, protocol, upstreamModel: target.upstreamModel }
}

/** The route of a chat or content call (routeModel answers a text route for those services). */
export function textRoute(route: Route): TextRoute {
  if (route.kind !== 'text') throw new Error(`expected a text model route, got ${route.kind}`)
  return route
}

/** The route of an image or video call. */
export function mediaRoute(route: Route): MediaRoute {
  if (route.kind !== 'media') throw new Error(`expected a media model route, got ${route.kind}`)
  return route
}

function unknownModel(model: string, service: Service): AppError {
  return new AppError('model_not_found', `The model \`${model}\` does not exist or is not served for ${service}. GET /api/v1/models lists what is.`, {
    param: 'model',
  })
}
