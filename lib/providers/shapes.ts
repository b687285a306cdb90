// Shapes the media vendors disagree on: sizes, aspect ratios, multipart forms.

/** "1024x768", "1024×768" or "16:9" as width and height; undefined when unreadable. */
export function dimensions(text: string | undefined): [number, number] | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*[x×X:*]\s*(\d+(?:\.\d+)?)\s*$/.exec(text ?? '')
  if (!match) return undefined
  const [w, h] = [Number(match[1]), Number(match[2])]
  return w > 0 && h > 0 ? [w, h] : undefined
}

/**
 * The requested size as dimensions. Absent or "auto" means "vendor's default" (undefined); any
 * other unreadable size is refused, since silently dropping it would bill a picture the caller
 * did not ask for.
 */
export function requestedDimensions(size: string | undefined): [number, number] | undefined {
  if (!size || size.trim().toLowerCase() === 'auto') return undefined
  const dims = dimensions(size)
  if (!dims) throw new Error(`size "${size}" is not WIDTHxHEIGHT`)
  return dims
}

/**
 * The entry of `allowed` closest in shape to width:height. Vendors take a fixed list of ratios,
 * each spelt its own way ("16:9", "16x9", "ASPECT_16_9", "1280:720"): any two numbers will do.
 */
export function nearestRatio<T extends string>([w, h]: [number, number], allowed: readonly T[]): T {
  const distance = (entry: string) => {
    const [a, b] = (entry.match(/\d+/g) ?? ['1', '1']).map(Number)
    return Math.abs(Math.log(a / b) - Math.log(w / h))
  }
  return allowed.reduce((best, entry) => (distance(entry) < distance(best) ? entry : best))
}

/**
 * A multipart form from plain fields. Objects become JSON parts, arrays repeat the field and
 * files stay files. The caller must not set content-type: fetch adds it with the boundary.
 */
export function formOf(fields: Record<string, unknown>): FormData {
  const form = new FormData()
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue
      if (item instanceof Blob) form.append(key, item)
      else form.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item))
    }
  }
  return form
}
