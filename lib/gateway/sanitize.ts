// What of a request or response may be stored with its usage row: no credentials, no images,
// prompts and outputs cut to a configured length, and the whole copy held under a byte cap.
// The stored copy explains a bill; it is not an archive of what users wrote.
//
// Everything here sees hostile input before validation, admission or any rate limit, so its
// work is linear in what it keeps, not in what it was sent: strings are cut (with a margin)
// before any pattern runs, every pattern is linear, and the walk stops when the cap is spent.

const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|api[-_]?key|x-api-key|x-key|password|secret|client_secret|access_token|refresh_token|webhook_secret)$/i
// Credentials written into values: people paste keys into prompts, and a vendor may echo a
// prompt back. Tollgate keys (near misses included), JWTs (session and Supabase access tokens),
// provider and Stripe secret keys, and whatever follows "Bearer". Redacted before any cut, so
// a cut can never leave most of a key behind.
// Linear by construction: each pattern either succeeds as soon as its run is long enough (no
// rejecting suffix after an unbounded run), or may only start where a run starts (the JWT's
// lookbehind). Without that lookbehind, "eyJeyJeyJ…" retried the whole run from every "eyJ"
// in it: 80 KB took 8.6 s of event loop.
const SECRET_VALUES: [RegExp, string][] = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [credential removed]'],
  [/tg_[A-Za-z0-9_-]{20,}/g, '[credential removed]'],
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[credential removed]'],
  [/sk-[A-Za-z0-9_-]{20,}/g, '[credential removed]'],
  [/(?:[sr]k_(?:live|test)|whsec)_[A-Za-z0-9]{10,}/g, '[credential removed]'],
]
const IMAGE_KEYS = /^(b64_json|image|input_image(_\d)?|promptImage|image_url|mask)$/i
const MAX_DEPTH = 8
const MAX_ITEMS = 50
const MAX_KEY_CHARS = 200
/**
 * Characters kept beyond a cut while redacting: longer than any credential the patterns know
 * (a Supabase access token is ~1 KB), so a key that straddles the cut is still recognised whole.
 */
const REDACTION_MARGIN = 4096
/** JSON overhead charged per stored entry (quotes, colon, comma), so a million empty fields still spend the cap. */
const ENTRY_COST = 4

export type PayloadLimits = {
  /** Characters kept of any one string. */
  maxChars: number
  /** Upper bound on the stored copy's JSON size in bytes. */
  maxBytes: number
}

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

/** Redacted and cut to `max` characters; patterns never see more than max + REDACTION_MARGIN. */
function cut(text: string, max: number): string {
  const seen = text.length > max + REDACTION_MARGIN ? text.slice(0, max + REDACTION_MARGIN) : text
  const clean = redact(seen)
  if (clean.length <= max) return storable(clean)
  // What was never looked at counts as cut too: the note says how long the original was.
  const dropped = clean.length - max + (text.length - seen.length)
  return storable(`${clean.slice(0, max)}…[${dropped} more characters]`)
}

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text))

/** A walk over one payload with one shared budget of bytes. */
class Sanitizer {
  private left: number
  constructor(private readonly limits: PayloadLimits) {
    this.left = limits.maxBytes
  }

  /** Charges a string at its size as JSON (escapes included: a control character costs 6 bytes). */
  private spend(text: string): string {
    this.left -= jsonBytes(text) + ENTRY_COST
    return text
  }

  private string(text: string): string {
    if (looksLikeBlob(text)) return this.spend('[binary omitted]')
    // Never more characters than bytes left; should escapes make the JSON larger than that,
    // halve until it fits (a few rounds at most, each linear in what is kept).
    let max = Math.max(0, Math.min(this.limits.maxChars, this.left))
    let kept = cut(text, max)
    while (max > 0 && jsonBytes(kept) > this.left) {
      max = Math.floor(max / 2)
      kept = cut(text, max)
    }
    return this.spend(kept)
  }

  value(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.string(value)
    if (value === null || typeof value !== 'object') {
      this.left -= ENTRY_COST + 8
      return value
    }
    if (depth >= MAX_DEPTH) return this.spend('[nested too deep]')
    if (Array.isArray(value)) {
      const items: unknown[] = []
      for (const item of value.slice(0, MAX_ITEMS)) {
        if (this.left <= 0) break
        items.push(this.value(item, depth + 1))
      }
      if (value.length > items.length) items.push(this.spend(`[${value.length - items.length} more items]`))
      return items
    }
    const out: Record<string, unknown> = {}
    const entries = Object.entries(value)
    let kept = 0
    for (const [rawKey, v] of entries) {
      if (this.left <= 0) break
      kept++
      if (SECRET_KEYS.test(rawKey.slice(0, 40))) continue
      const key = this.spend(storable(redact(rawKey.slice(0, MAX_KEY_CHARS))))
      if (IMAGE_KEYS.test(key) && typeof v === 'string') {
        out[key] = v.startsWith('http') && !v.includes('?') ? this.spend(cut(v, 300)) : this.spend('[image omitted]')
        continue
      }
      out[key] = this.value(v, depth + 1)
    }
    if (kept < entries.length) out['[omitted]'] = this.spend(`${entries.length - kept} more fields (stored payloads are capped at ${this.limits.maxBytes} bytes)`)
    return out
  }
}

/**
 * The copy of `value` that may be stored: credentials removed, images omitted, strings cut,
 * and at most `maxBytes` of JSON. The cap is a hard guarantee: an estimate that still came
 * out larger (deep nesting, escapes) is replaced by a note.
 */
export function sanitizePayload(value: unknown, limits: PayloadLimits): unknown {
  const out = new Sanitizer(limits).value(value, 0)
  const size = Buffer.byteLength(JSON.stringify(out) ?? 'null')
  return size <= limits.maxBytes ? out : { '[omitted]': `payload of ${size} bytes after sanitizing exceeds the ${limits.maxBytes}-byte cap` }
}
