import catalogJson from '@/lib/pricing/data/text-prices.json'
import { matches } from '@/lib/pricing/match'
import type { TextCatalog, TextModelEntry, TextProviderEntry } from '@/lib/pricing/text-catalog-types'

export const textCatalog = catalogJson as TextCatalog

export type TextModelMatch = { provider: TextProviderEntry; model: TextModelEntry }

// Exact ids first (the common case and the cheapest), then each entry's match rules.
const byExactId = new Map<string, TextModelMatch>()
for (const provider of textCatalog.providers)
  for (const model of provider.models) if (!byExactId.has(`${provider.id}/${model.id}`)) byExactId.set(`${provider.id}/${model.id}`, { provider, model })

/**
 * The catalog entry pricing `modelId`, looked up in `providerId`'s models first, then in every
 * provider (a gateway may serve a model under another provider's name). Null when unknown.
 */
export function findTextModel(providerId: string, modelId: string): TextModelMatch | null {
  const id = modelId.trim()
  const exact = byExactId.get(`${providerId}/${id}`)
  if (exact) return exact
  const ordered = [
    ...textCatalog.providers.filter((p) => p.id === providerId),
    ...textCatalog.providers.filter((p) => p.id !== providerId),
  ]
  for (const provider of ordered) {
    const model = provider.models.find((m) => m.id === id) ?? provider.models.find((m) => matches(m.match, id))
    if (model) return { provider, model }
  }
  return null
}
