// Which provider serves a text model, under which upstream id, priced by whose rates. One pass
// per call (pipeline.ts `open`); the estimate, the output cap and the final price read the
// catalog entry found here.
import 'server-only'
import { AppError } from '@/lib/errors'
import { findTextModel, type TextModelMatch } from '@/lib/pricing/text-catalog'
import type { PriceOverride } from '@/lib/pricing/types'
import { chatAdapter, getAdapter } from '@/lib/providers/registry'
import { providerNamed, providerOfCatalog, textProviders, type TextProvider } from '@/lib/providers/text-providers'
import type { ProviderAdapter, ProviderConfig } from '@/lib/providers/types'

/** A text model resolved: who serves it, what to send, how to price it. */
export type TextTarget = {
  provider: TextProvider
  /** The id sent upstream: the caller's, without `provider/` or `models/`, in the vendor's case. */
  upstreamModel: string
  /** Whose prices apply: the catalog vendor, the override's provider, or the local provider. */
  pricingProvider: string
  entry: TextModelMatch | null
  /** A local server (Ollama, vLLM, an operator's `local` provider): no vendor bill. */
  local: boolean
}

export type TextServing = { adapter: ProviderAdapter; config: ProviderConfig; servedBy: string }

// Vendors whose model ids are all lower-case: `GPT-4o` reaches them as gpt-4o. Hosts' ids
// (meta-llama/Llama-3.3-70B-Instruct-Turbo) are case-sensitive and sent as written.
const LOWER_CASE_IDS = new Set(['openai', 'anthropic', 'gemini', 'deepseek', 'mistral', 'xai'])

// Makers' catalogs are searched before hosts': a bare `llama-3.3-70b-versatile` is Groq's, but a
// bare `gpt-4o` is OpenAI's even though OpenRouter lists it too.
const MAKERS = textProviders.filter((p) => p.vendor).flatMap((p) => p.catalog)

const stripModelsPrefix = (id: string) => (id.toLowerCase().startsWith('models/') ? id.slice('models/'.length) : id)

function upstreamId(provider: TextProvider, id: string): string {
  const bare = stripModelsPrefix(id.trim())
  return LOWER_CASE_IDS.has(provider.id) ? bare.toLowerCase() : bare
}

function overrideFor(overrides: readonly PriceOverride[], model: string, provider?: string): PriceOverride | undefined {
  const wanted = model.toLowerCase()
  return overrides.find((o) => o.unit.endsWith('_mtok') && o.model.toLowerCase() === wanted && (!provider || o.provider === provider))
}

function declared(provider: TextProvider, id: string): { id: string; pricedAs?: string } | undefined {
  const wanted = id.toLowerCase()
  return provider.models.find((m) => m.id.toLowerCase() === wanted)
}

/** A model the operator declared for a provider of their own, priced as a catalog model or by an override. */
function fromDeclared(provider: TextProvider, model: { id: string; pricedAs?: string }): TextTarget {
  const [pricedBy, ...rest] = model.pricedAs?.split('/') ?? []
  const entry = model.pricedAs ? findTextModel(pricedBy, rest.join('/'), { only: true }) : null
  return { provider, upstreamModel: model.id, pricingProvider: entry?.provider.id ?? provider.id, entry, local: provider.local && !entry }
}

/** `provider/model`: the provider named, the rest sent as its model id. */
function explicit(provider: TextProvider, id: string, overrides: readonly PriceOverride[]): TextTarget | null {
  const model = declared(provider, id)
  if (model) return fromDeclared(provider, model)
  const upstreamModel = upstreamId(provider, id)
  // A host is priced by its own list only (OpenRouter's rates for anthropic/claude-sonnet-4.5 are
  // OpenRouter's); a vendor's own models first, then any maker's: OPENAI_BASE_URL may be a proxy
  // serving every vendor's models under their names, as before providers were data.
  const entry = provider.catalog.length ? findTextModel(provider.catalog, upstreamModel, { only: !provider.vendor }) : null
  if (entry) return { provider, upstreamModel, pricingProvider: entry.provider.id, entry, local: false }
  if (provider.local) return { provider, upstreamModel, pricingProvider: provider.id, entry: null, local: true }
  const override = overrideFor(overrides, upstreamModel, provider.id) ?? overrideFor(overrides, `${provider.id}/${upstreamModel}`)
  return override ? { provider, upstreamModel, pricingProvider: override.provider, entry: null, local: false } : null
}

/**
 * A bare id: the catalog (its maker's provider serves it), else a model an operator declared for
 * a provider of theirs, else an override. The catalog wins: an operator's proxy that also
 * serves gpt-4o-mini is reached as `proxy/gpt-4o-mini` (or as a fallback), never by surprise.
 */
function bare(id: string, overrides: readonly PriceOverride[]): TextTarget | null {
  const entry = findTextModel(MAKERS, id)
  const maker = entry && providerOfCatalog(entry.provider.id)
  if (entry && maker) return { provider: maker, upstreamModel: upstreamId(maker, id), pricingProvider: entry.provider.id, entry, local: false }
  for (const provider of textProviders) {
    const model = declared(provider, id)
    if (model) return fromDeclared(provider, model)
  }
  const override = overrideFor(overrides, stripModelsPrefix(id))
  const owner = override && (providerNamed(override.provider) ?? providerOfCatalog(override.provider))
  if (override && owner) return { provider: owner, upstreamModel: upstreamId(owner, id), pricingProvider: override.provider, entry: null, local: false }
  return null
}

/**
 * Resolves a chat model name. `provider/model` picks the provider (OpenRouter's convention; an
 * unknown first segment is part of a bare id, as in meta-llama/Llama-3.3-70B); a bare id goes
 * through the catalog, case-insensitively, with the vendors' aliases. Unknown → 404-style 400.
 */
export function resolveTextTarget(model: string, overrides: readonly PriceOverride[]): TextTarget {
  const slash = model.indexOf('/')
  const named = slash > 0 ? providerNamed(model.slice(0, slash)) : undefined
  const target = named ? explicit(named, model.slice(slash + 1), overrides) : bare(model, overrides)
  if (!target) throw unknownTextModel(model, named)
  return target
}

/** The adapter and configuration serving `provider` now: its protocol's adapter, or the simulator when it is off. */
export function textServing(provider: TextProvider): TextServing {
  if (!provider.enabled) return { adapter: getAdapter('simulator')!, config: { apiKey: '', baseUrl: '' }, servedBy: 'simulator' }
  return { adapter: chatAdapter(provider.protocol, provider.id), config: { apiKey: provider.apiKey ?? '', baseUrl: provider.baseUrl, quirks: provider.quirks }, servedBy: provider.id }
}

function unknownTextModel(model: string, provider: TextProvider | undefined): AppError {
  const where = provider ? ` by ${provider.name} (it is not in the price catalog: an operator can price it with an override)` : ''
  return new AppError('model_not_found', `The model \`${model}\` does not exist or is not served${where}. GET /api/v1/models lists what is.`, { param: 'model' })
}
