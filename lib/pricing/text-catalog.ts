import catalogJson from '@/lib/pricing/data/text-prices.json'
import { matches } from '@/lib/pricing/match'
import type { TextCatalog, TextModelEntry, TextProviderEntry } from '@/lib/pricing/text-catalog-types'

export const textCatalog = catalogJson as TextCatalog

export type TextModelMatch = { provider: TextProviderEntry; model: TextModelEntry }

// Exact ids first (the common case and the cheapest), then each entry's match rules. Vendors'
// ids are lower-case and so are the catalog's rules: `GPT-4o` is gpt-4o (genai-prices matches
// case-insensitively too).
const byExactId = new Map<string, TextModelMatch>()
for (const provider of textCatalog.providers)
  for (const model of provider.models) {
    const key = `${provider.id}/${model.id.toLowerCase()}`
    if (!byExactId.has(key)) byExactId.set(key, { provider, model })
  }

// Vendor aliases that name no version, so no match rule can see through them: what each pointed
// at when checked (Google's "latest" aliases, ai.google.dev/gemini-api/docs/models, 2026-12).
const ALIASES: Record<string, string> = {
  'gemini-flash-latest': 'gemini-2.5-flash',
  'gemini-flash-lite-latest': 'gemini-2.5-flash-lite',
  'gemini-pro-latest': 'gemini-2.5-pro',
}

// Spellings of one model that vendors accept: Gemini's `models/` prefix; `-latest`; a dated
// snapshot (`-20250929`, `-2024-08-06`, Vertex's `@20250929`) or a numbered one (`-001`).
function spellings(id: string): string[] {
  const bare = id.startsWith('models/') ? id.slice('models/'.length) : id
  const out = [bare]
  if (ALIASES[bare]) out.push(ALIASES[bare])
  if (bare.endsWith('-latest')) out.push(bare.slice(0, -'-latest'.length))
  const undated = bare.replace(/(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-\d{3})$/, '')
  if (undated !== bare) out.push(undated)
  return out
}

// Provider by provider, in order: an entry of the first provider that knows the id wins.
function findIn(providers: readonly TextProviderEntry[], id: string): TextModelMatch | null {
  for (const provider of providers) {
    const found = byExactId.get(`${provider.id}/${id}`) ?? provider.models.find((m) => matches(m.match, id))
    if (found) return 'provider' in found ? found : { provider, model: found }
  }
  return null
}

/**
 * The catalog entry pricing `modelId`, case-insensitively, looked up in `providerId`'s models
 * first, then (unless `only`) in every provider's: a host may serve a model under its maker's
 * name. Each spelling is tried everywhere before the next, so an exact id beats an alias.
 */
export function findTextModel(providerId: string | readonly string[], modelId: string, options: { only?: boolean } = {}): TextModelMatch | null {
  const ids = typeof providerId === 'string' ? [providerId] : providerId
  // The catalog never changes while the process runs: a name found (or not) once is remembered.
  // Scanning every rule costs up to ~1 ms (an unknown name, a dated snapshot); the memo is
  // bounded, so a flood of invented names cannot grow it.
  const key = `${ids.join(',')}|${options.only ? 1 : 0}|${modelId}`
  const known = memo.get(key)
  if (known !== undefined) return known
  const found = search(ids, modelId, options)
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(key, found)
  return found
}

const MEMO_LIMIT = 10_000
const memo = new Map<string, TextModelMatch | null>()

function search(ids: readonly string[], modelId: string, options: { only?: boolean }): TextModelMatch | null {
  const own = textCatalog.providers.filter((p) => ids.includes(p.id))
  const ordered = options.only ? own : [...own, ...textCatalog.providers.filter((p) => !ids.includes(p.id))]
  for (const id of spellings(modelId.trim().toLowerCase())) {
    const found = findIn(ordered, id)
    if (found) return found
  }
  return null
}
