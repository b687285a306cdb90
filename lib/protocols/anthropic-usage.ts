// A native Anthropic stream's usage, gathered as it comes: message_start's block, then each
// message_delta's (cumulative) counts over it. lib/providers/anthropic.ts `anthropicUsage` reads
// the result into TextUsage, as it does for the chat adapter.
/** A stream's usage so far: message_start's, then each message_delta's non-null counts over it (they are cumulative). */
export function mergeAnthropicUsage(previous: Record<string, unknown> | null, next: unknown): Record<string, unknown> | null {
  if (!next || typeof next !== 'object') return previous
  const merged: Record<string, unknown> = { ...previous }
  for (const [key, value] of Object.entries(next)) if (value !== null && value !== undefined) merged[key] = value
  return merged
}
