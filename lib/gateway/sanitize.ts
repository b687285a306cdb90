// What of a request or response may be stored with its usage row: no credentials, no images,
// and prompts and outputs cut to a configured length. The stored copy explains a bill; it is
// not an archive of what users wrote.

const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|api[-_]?key|x-api-key|x-key|password|secret|client_secret|access_token|refresh_token|webhook_secret)$/i
const IMAGE_KEYS = /^(b64_json|image|input_image(_\d)?|promptImage|image_url|mask)$/i
const MAX_DEPTH = 8
const MAX_ITEMS = 50

function looksLikeBlob(text: string): boolean {
  return text.startsWith('data:') || (text.length > 256 && /^[A-Za-z0-9+/=_-]+$/.test(text))
}

/**
 * PostgreSQL's jsonb refuses NUL characters and lone UTF-16 surrogates (a cut through an
 * emoji makes one), and one refused row would never be recorded: both are repaired here.
 */
export function storable(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '')
}

function cut(text: string, max: number): string {
  return storable(text.length > max ? `${text.slice(0, max)}…[${text.length - max} more characters]` : text)
}

export function sanitizePayload(value: unknown, maxChars: number, depth = 0): unknown {
  if (typeof value === 'string') return looksLikeBlob(value) ? '[binary omitted]' : cut(value, maxChars)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[nested too deep]'
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => sanitizePayload(v, maxChars, depth + 1))
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more items]`] : items
  }
  const out: Record<string, unknown> = {}
  for (const [rawKey, v] of Object.entries(value)) {
    if (SECRET_KEYS.test(rawKey)) continue
    const key = storable(rawKey)
    if (IMAGE_KEYS.test(key) && typeof v === 'string') {
      out[key] = v.startsWith('http') && !v.includes('?') ? cut(v, 300) : '[image omitted]'
      continue
    }
    out[key] = sanitizePayload(v, maxChars, depth + 1)
  }
  return out
}
