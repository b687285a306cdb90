// What of a request or response may be stored with its usage row: no credentials, no images,
// and prompts and outputs cut to a configured length. The stored copy explains a bill; it is
// not an archive of what users wrote.

const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|api[-_]?key|x-api-key|x-key|password|secret|client_secret|access_token|refresh_token|webhook_secret)$/i
// Credentials written into values: people paste keys into prompts, and a vendor may echo a
// prompt back. Tollgate keys (near misses included), JWTs (session and Supabase access tokens),
// provider and Stripe secret keys, and whatever follows "Bearer". Redacted before any cut, so
// a cut can never leave most of a key behind.
const SECRET_VALUES: [RegExp, string][] = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [credential removed]'],
  [/tg_[A-Za-z0-9_-]{20,}/g, '[credential removed]'],
  [/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[credential removed]'],
  [/sk-[A-Za-z0-9_-]{20,}/g, '[credential removed]'],
  [/(?:[sr]k_(?:live|test)|whsec)_[A-Za-z0-9]{10,}/g, '[credential removed]'],
]
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

function redact(text: string): string {
  return SECRET_VALUES.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text)
}

function cut(text: string, max: number): string {
  const clean = redact(text)
  return storable(clean.length > max ? `${clean.slice(0, max)}…[${clean.length - max} more characters]` : clean)
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
    const key = storable(redact(rawKey))
    if (IMAGE_KEYS.test(key) && typeof v === 'string') {
      out[key] = v.startsWith('http') && !v.includes('?') ? cut(v, 300) : '[image omitted]'
      continue
    }
    out[key] = sanitizePayload(v, maxChars, depth + 1)
  }
  return out
}
