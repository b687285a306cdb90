// What an audit row changed, for people: only the fields whose value differs, as dotted paths
// ("limits.chat: 200 → 5000"). Pure, so the console and tests share it.

export type AuditChange = { path: string; before: string; after: string }

const MAX_CHANGES = 40

function show(value: unknown): string {
  if (value === undefined) return '—'
  if (value === null) return 'none'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The differing leaves of two JSON values (objects compared key by key, anything else as a whole). */
export function auditChanges(before: unknown, after: unknown, path = ''): AuditChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    return keys.flatMap((k) => auditChanges(before[k], after[k], path ? `${path}.${k}` : k)).slice(0, MAX_CHANGES)
  }
  if (isObject(before) && (after === null || after === undefined)) return auditChanges(before, {}, path)
  if (isObject(after) && (before === null || before === undefined)) return auditChanges({}, after, path)
  if (JSON.stringify(before) === JSON.stringify(after)) return []
  return [{ path: path || 'value', before: show(before), after: show(after) }]
}
