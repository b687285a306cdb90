// Lines describing how two text catalogs differ, rate by rate, for a reviewer.
import type { TextCatalog, TextRate } from '../lib/pricing/text-catalog-types'

function flatten(catalog: TextCatalog | null): Map<string, string> {
  const out = new Map<string, string>()
  for (const provider of catalog?.providers ?? [])
    for (const model of provider.models)
      for (const period of model.periods)
        for (const [key, rate] of Object.entries(period.rates) as [string, TextRate][])
          out.set(`${provider.id}/${model.id} ${key} from ${period.effectiveFrom ?? 'release'}`, describe(rate))
  return out
}

function describe(rate: TextRate): string {
  return typeof rate === 'string' ? rate : `${rate.base} (${rate.tiers.map((t) => `${t.price} above ${t.start}`).join(', ')})`
}

export function diffCatalogs(before: TextCatalog | null, after: TextCatalog): string[] {
  const a = flatten(before)
  const b = flatten(after)
  const lines: string[] = []
  for (const [key, value] of b) {
    if (!a.has(key)) lines.push(`+ ${key}: ${value}`)
    else if (a.get(key) !== value) lines.push(`~ ${key}: ${a.get(key)} -> ${value}`)
  }
  for (const [key, value] of a) if (!b.has(key)) lines.push(`- ${key}: ${value}`)
  return lines.sort((x, y) => x.slice(2).localeCompare(y.slice(2)))
}
