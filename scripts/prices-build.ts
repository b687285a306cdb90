// Builds the bundled text-price catalog from the installed @pydantic/genai-prices: rates only,
// as decimal strings, dated periods oldest first; then merges the hand-checked pins
// (lib/pricing/data/text-price-pins.ts) and derives Anthropic's 1-hour cache-write rate.
import { readFileSync } from 'node:fs'
import { findProvider } from '@pydantic/genai-prices'
import { TEXT_PRICE_PINS } from '../lib/pricing/data/text-price-pins'
import { formatUsd, parseUsd } from '../lib/pricing/money'
import type { TextCatalog, TextModelEntry, TextRateKey } from '../lib/pricing/text-catalog-types'
import { applyPins, deriveAnthropicCacheWrite1h } from './prices-pins'

/**
 * Every vendor Tollgate serves, by genai-prices' id: first-party vendors first, then the
 * hosts of other vendors' models (groq, together, fireworks) and the aggregator (openrouter),
 * so a model looked up across providers finds its maker's price first.
 */
export const PROVIDERS = ['openai', 'anthropic', 'google', 'deepseek', 'mistral', 'x-ai', 'groq', 'together', 'fireworks', 'openrouter'] as const
const KEYS: TextRateKey[] = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok', 'input_image_mtok', 'output_image_mtok']

type RawRate = number | { base: number; tiers: { start: number; price: number }[] }

/**
 * A price as an exact decimal string, through the money type ("0.0000005", never 5e-7). A few
 * prices are floats of a fraction (OpenRouter's Gemini cache writes: 1/12 = 0.08333333333333334);
 * those are rounded to the money type's 12 decimals, and the reviewer is told.
 */
function decimal(n: number, where: string, warnings: string[]): string {
  try {
    return formatUsd(parseUsd(n))
  } catch {
    const rounded = formatUsd(parseUsd(n.toFixed(12)))
    warnings.push(`${where}: ${n} rounded to ${rounded}`)
    return rounded
  }
}

function toRates(prices: Record<string, unknown>, where: string, warnings: string[]): TextModelEntry['periods'][number]['rates'] {
  const rates: TextModelEntry['periods'][number]['rates'] = {}
  for (const key of KEYS) {
    const raw = prices[key] as RawRate | undefined
    if (raw === undefined) continue
    const d = (n: number) => decimal(n, `${where} ${key}`, warnings)
    rates[key] = typeof raw === 'number' ? d(raw) : { base: d(raw.base), tiers: raw.tiers.map((t) => ({ start: t.start, price: d(t.price) })) }
  }
  return rates
}

// The package does not export its package.json; read it from disk for the version.
const version = (JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')) as { version: string }).version

/** The catalog with the pins merged; `warnings` tell the reviewer what to clean up. */
export function buildTextCatalog(warnings: string[] = []): TextCatalog {
  const catalog = fromGenaiPrices(warnings)
  warnings.push(...applyPins(catalog, TEXT_PRICE_PINS))
  deriveAnthropicCacheWrite1h(catalog)
  return catalog
}

function fromGenaiPrices(warnings: string[]): TextCatalog {
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
              // DeepSeek's peak-hour prices (genai-prices makes the off-peak price the default):
              // a catalog period is a date range, not hours of the day.
              warnings.push(`skipped ${id}/${model.id} ${c.constraint.start_time}-${c.constraint.end_time}: time-of-day prices are not supported`)
              return []
            }
            return [{ effectiveFrom: c.constraint?.start_date ?? null, rates: toRates(c.prices, `${id}/${model.id}`, warnings) }]
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

/**
 * The catalog as JSON with one model per line: half the size of indented JSON (the server
 * parses it at start), and a git diff still shows which models changed.
 */
export function serializeCatalog(catalog: TextCatalog): string {
  const providers = catalog.providers.map(({ models, ...provider }) => {
    const head = JSON.stringify(provider).slice(0, -1)
    return `${head},"models":[\n${models.map((m) => JSON.stringify(m)).join(',\n')}\n]}`
  })
  return `{"source":${JSON.stringify(catalog.source)},"providers":[\n${providers.join(',\n')}\n]}\n`
}
