// Dated text prices that @pydantic/genai-prices does not have (yet), checked by hand against
// the vendor. `npm run prices:update` merges each pin into the catalog as a new period from its
// date, so a call before the date keeps the older rate. A pin's rates replace the period's
// whole rate set (nothing is inherited from the period before). A pin naming an alias that
// genai-prices folds into a family entry (mistral-large-latest) gets its own entry, so the
// family's other ids keep their prices. When genai-prices catches up, the build says so:
// delete the pin then. Dates are UTC days; a change at 16:00 UTC is dated that day.
import type { TextRateKey } from '@/lib/pricing/text-catalog-types'

export type TextPricePin = {
  /** Catalog provider id (genai-prices'). */
  provider: string
  /** Catalog model id, or an id one of the provider's entries matches (an alias). */
  model: string
  /** ISO date (UTC) from which the rates apply. */
  effectiveFrom: string
  /** USD per million tokens, as the vendor publishes them. */
  rates: Partial<Record<Exclude<TextRateKey, 'cache_write_1h_mtok'>, string>>
  /** Where the figures were read. */
  source: string
  /** ISO date the figures were last checked against the source. */
  checked: string
}

const DEEPSEEK_PRICING = 'https://api-docs.deepseek.com/quick_start/pricing'

// deepseek-chat and deepseek-reasoner are two modes of one model, priced alike since V3.1.
// (genai-prices still has their V3/R1 prices, with the off-peak discount that ended on
// 2025-09-05 as the default.) DeepSeek retired both names on 2026-07-24 15:59 UTC
// (deepseek-v4-flash / -pro replace them); the pins keep the history exact for calls until then.
const deepseekAliases = ['deepseek-chat', 'deepseek-reasoner'].flatMap((model): TextPricePin[] => [
  {
    // DeepSeek-V3.1: "Starting from 16:00 UTC Time on Sept 5th, 2025, we will apply the
    // following price list and cancel the nighttime discount": hit 0.07, miss 0.56, out 1.68.
    // Confirmed: a stored copy of DeepSeek's own pricing page says so.
    provider: 'deepseek',
    model,
    effectiveFrom: '2025-09-05',
    rates: { input_mtok: '0.56', cache_read_mtok: '0.07', output_mtok: '1.68' },
    source: DEEPSEEK_PRICING,
    checked: '2026-12-02',
  },
  {
    // DeepSeek-V3.2-Exp, announced 2025-09-29 ("API prices drop 50%+, effective immediately");
    // the same list stood for V3.2 (2025-12-01) until V4: hit 0.028, miss 0.28, out 0.42.
    // Confirmed through third-party copies of DeepSeek's page (April 2026), not the page itself.
    provider: 'deepseek',
    model,
    effectiveFrom: '2025-09-29',
    rates: { input_mtok: '0.28', cache_read_mtok: '0.028', output_mtok: '0.42' },
    source: `${DEEPSEEK_PRICING} (DeepSeek API news 2025-09-29)`,
    checked: '2026-12-02',
  },
  {
    // V4 preview (2026-04-24): both names became modes of deepseek-v4-flash, at its price:
    // hit 0.028, miss 0.14, out 0.28. Confirmed through third-party copies of DeepSeek's
    // page and V4 announcement, not the page itself.
    provider: 'deepseek',
    model,
    effectiveFrom: '2026-04-24',
    rates: { input_mtok: '0.14', cache_read_mtok: '0.028', output_mtok: '0.28' },
    source: `${DEEPSEEK_PRICING} (DeepSeek API news 2026-04-24, V4 preview)`,
    checked: '2026-12-02',
  },
  {
    // Cache hits cut to a tenth across the line (0.0028, as genai-prices has for
    // deepseek-v4-flash). NOT confirmed on DeepSeek's own page: the date is from third-party
    // reports of the announcement ("On April 26, DeepSeek announced ... effective immediately").
    provider: 'deepseek',
    model,
    effectiveFrom: '2026-04-26',
    rates: { input_mtok: '0.14', cache_read_mtok: '0.0028', output_mtok: '0.28' },
    source: `${DEEPSEEK_PRICING} (cache-hit cut of 2026-04-26, date from third-party reports)`,
    checked: '2026-12-02',
  },
])

export const TEXT_PRICE_PINS: readonly TextPricePin[] = [
  ...deepseekAliases,
  {
    // Mistral Large 3 (mistral-large-2512, released 2025-12-02) became mistral-large-latest:
    // $0.50 in / $1.50 out. genai-prices prices the alias with Large 2 (2 / 6). The rates are
    // confirmed through third-party model pages quoting Mistral's (Feb 2026), not Mistral's
    // page itself; the cache-read rate (0.05) is genai-prices' for mistral-large-2512, unconfirmed.
    provider: 'mistral',
    model: 'mistral-large-latest',
    effectiveFrom: '2025-12-02',
    rates: { input_mtok: '0.5', cache_read_mtok: '0.05', output_mtok: '1.5' },
    source: 'https://mistral.ai/pricing#api-pricing (Mistral Large 3 announcement, 2025-12-02)',
    checked: '2026-12-02',
  },
]
