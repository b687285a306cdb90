import type { MatchLogic } from '@/lib/pricing/text-catalog-types'

// Model-id matching rules as @pydantic/genai-prices writes them: one catalog entry covers a
// family of ids (dated snapshots, "-latest" aliases).
export function matches(logic: MatchLogic, id: string): boolean {
  if ('equals' in logic) return id === logic.equals
  if ('starts_with' in logic) return id.startsWith(logic.starts_with)
  if ('ends_with' in logic) return id.endsWith(logic.ends_with)
  if ('contains' in logic) return id.includes(logic.contains)
  if ('regex' in logic) return compiled(logic.regex).test(id)
  if ('or' in logic) return logic.or.some((l) => matches(l, id))
  return logic.and.every((l) => matches(l, id))
}

// The catalog's patterns, compiled once: an unknown model scans every rule of ~900 models, and
// compiling each pattern per call made that ~1 ms.
const patterns = new Map<string, RegExp>()
function compiled(source: string): RegExp {
  let pattern = patterns.get(source)
  if (!pattern) patterns.set(source, (pattern = new RegExp(source)))
  return pattern
}
