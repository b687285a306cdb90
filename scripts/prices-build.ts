// Builds the bundled text-price catalog from the installed @pydantic/genai-prices: rates only,
// as decimal strings, dated periods oldest first.
import { readFileSync } from 'node:fs'
import { findProvider } from '@pydantic/genai-prices'
import type { TextCatalog, TextModelEntry, TextRate, TextRateKey } from '../lib/pricing/text-catalog-types'

const PROVIDERS = ['openai', 'anthropic', 'google'] as const
const KEYS: TextRateKey[] = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok', 'input_image_mtok', 'output_image_mtok']

type RawRate = number | { base: number; tiers: { start: number; price: number }[] }

function toRate(raw: RawRate): TextRate {
  if (typeof raw === 'number') return String(raw)
  return { base: String(raw.base), tiers: raw.tiers.map((t) => ({ start: t.start, price: String(t.price) })) }
}

function toRates(prices: Record<string, unknown>): TextModelEntry['periods'][number]['rates'] {
  const rates: TextModelEntry['periods'][number]['rates'] = {}
  for (const key of KEYS) if (prices[key] !== undefined) rates[key] = toRate(prices[key] as RawRate)
  return rates
}

// The package does not export its package.json; read it from disk for the version.
const version = (JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')) as { version: string }).version

export function buildTextCatalog(): TextCatalog {
  return {
    source: `@pydantic/genai-prices ${version} (bundled data)`,
    providers: PROVIDERS.map((id) => {
      const provider = findProvider({ providerId: id })
      if (!provider) throw new Error(`@pydantic/genai-prices has no provider ${id}`)
      return {
        id,
        name: provider.name,
        pricingUrls: provider.pricing_urls ?? [],
        models: provider.models.flatMap((model): TextModelEntry[] => {
          const conditional = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }]
          const periods = conditional.flatMap((c) => {
            if (c.constraint && c.constraint.type !== 'start_date') {
              console.warn(`skipped ${id}/${model.id}: time-of-day prices are not supported`)
              return []
            }
            return [{ effectiveFrom: c.constraint?.start_date ?? null, rates: toRates(c.prices) }]
          })
          periods.sort((a, b) => (a.effectiveFrom ?? '').localeCompare(b.effectiveFrom ?? ''))
          if (!periods.some((p) => p.rates.input_mtok !== undefined || p.rates.output_mtok !== undefined)) return []
          return [
            {
              id: model.id,
              ...(model.name ? { name: model.name } : {}),
              match: model.match as TextModelEntry['match'],
              ...(model.context_window ? { contextWindow: model.context_window } : {}),
              ...(model.deprecated ? { deprecated: true } : {}),
              periods,
              ...(model.price_comments ? { comments: model.price_comments } : {}),
            },
          ]
        }),
      }
    }),
  }
}
