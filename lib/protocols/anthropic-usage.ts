// Anthropic's usage block → TextUsage (OpenAI's counting: every part ⊂ its total). The same
// reading as the Anthropic adapter's `anthropicUsage` (branch issue15-anthropic); the messages
// route needs it before that lands, and the two should become one at merge.
import type { TextUsage } from '@/lib/providers/types'

type RawUsage = {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null
  output_tokens_details?: { thinking_tokens?: number | null } | null
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0)

/**
 * `input_tokens` is only Anthropic's uncached part: the total adds cache reads and writes. Writes
 * without a per-TTL split are priced at the 5-minute rate, as Anthropic bills them. Null when
 * the block carries no counts at all.
 */
export function readAnthropicUsage(raw: unknown): TextUsage | null {
  if (!raw || typeof raw !== 'object') return null
  const u = raw as RawUsage
  if (typeof u.input_tokens !== 'number' && typeof u.output_tokens !== 'number') return null
  const read = count(u.cache_read_input_tokens)
  const written = count(u.cache_creation_input_tokens)
  const write1h = u.cache_creation ? Math.min(written, count(u.cache_creation.ephemeral_1h_input_tokens)) : 0
  const write5m = written - write1h
  const output = count(u.output_tokens)
  return {
    inputTokens: count(u.input_tokens) + read + written,
    outputTokens: output,
    cachedTokens: read,
    reasoningTokens: Math.min(output, count(u.output_tokens_details?.thinking_tokens)),
    ...(write5m ? { cacheWriteTokens: write5m } : {}),
    ...(write1h ? { cacheWrite1hTokens: write1h } : {}),
  }
}

/** A stream's usage so far: message_start's, then each message_delta's non-null counts over it (they are cumulative). */
export function mergeAnthropicUsage(previous: Record<string, unknown> | null, next: unknown): Record<string, unknown> | null {
  if (!next || typeof next !== 'object') return previous
  const merged: Record<string, unknown> = { ...previous }
  for (const [key, value] of Object.entries(next)) if (value !== null && value !== undefined) merged[key] = value
  return merged
}
