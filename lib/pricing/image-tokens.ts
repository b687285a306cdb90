// Prompt tokens of an image input, by OpenAI's published tile formula (platform.openai.com/docs/
// guides/images-vision, "Calculating costs"): `low` detail costs the base alone; `high` and
// `auto` (which may choose high, so it is counted as high) scale the image to fit 2048×2048,
// then its shortest side down to 768, and cost the base plus one tile price per 512-px square.
// Used when Tollgate counts a prompt itself (the upstream sent no usage, and for admission).
//
// The image is never decoded: only its header is read, from a data: URL, by a bounded parser.

/** Base and per-tile tokens. gpt-4o-mini bills an image at ~33× the tokens (its rate is ~1/16.7 of gpt-4o's). */
type TileCosts = { base: number; tile: number }
const GPT_4O: TileCosts = { base: 85, tile: 170 }
// OpenAI's table gives gpt-4o-mini 2,833 base and 5,667 per tile (confirmed by measured usage:
// a 128×64 low-detail image plus five words bills 2,845 tokens, high 8,512 = +5,667).
const GPT_4O_MINI: TileCosts = { base: 2833, tile: 5667 }

const FIT_SQUARE = 2048
const SHORT_SIDE = 768
const TILE = 512

export type ImageDetail = 'low' | 'high' | 'auto'
export type ImageSize = { width: number; height: number }

function tileCostsOf(model: string | undefined): TileCosts {
  return model && /(^|\/)gpt-4o-mini/i.test(model) ? GPT_4O_MINI : GPT_4O
}

/** Tokens of one image of `size` (null: unknown, counted as the costliest high-detail image). */
export function imageTokens(size: ImageSize | null, detail: ImageDetail = 'auto', model?: string): number {
  const { base, tile } = tileCostsOf(model)
  if (detail === 'low') return base
  return base + tile * tilesOf(size ?? WORST_CASE)
}

/**
 * The image costing most after the scaling: its short side ends at 768 and its long side at
 * 2048 (768×2048: 2×4 = 8 tiles; a longer one is scaled to fit 2048 and so loses short side).
 */
const WORST_CASE: ImageSize = { width: SHORT_SIDE, height: FIT_SQUARE }

function tilesOf({ width, height }: ImageSize): number {
  let w = Math.max(1, width)
  let h = Math.max(1, height)
  if (w > FIT_SQUARE || h > FIT_SQUARE) {
    const scale = FIT_SQUARE / Math.max(w, h)
    w *= scale
    h *= scale
  }
  // Only ever scaled down: a small image is not enlarged to 768.
  if (Math.min(w, h) > SHORT_SIDE) {
    const scale = SHORT_SIDE / Math.min(w, h)
    w *= scale
    h *= scale
  }
  return Math.ceil(Math.floor(w) / TILE) * Math.ceil(Math.floor(h) / TILE)
}

// A JPEG's size is in its SOF segment, after any EXIF/ICC segments (an embedded thumbnail can be
// 64 KB): the first 256 KB of the image are read, no more, whatever the data: URL holds.
const HEADER_BYTES = 256 * 1024
const HEADER_BASE64 = (HEADER_BYTES / 3) * 4

/** The dimensions of a base64 data: URL's PNG, JPEG, GIF or WebP image, or null when they cannot be read. */
export function dataUrlImageSize(url: string): ImageSize | null {
  if (!url.startsWith('data:')) return null
  const comma = url.indexOf(',', 0)
  // The media type and `;base64` sit before the comma; a long prefix is not an image header.
  if (comma < 0 || comma > 256 || !url.slice(0, comma).endsWith(';base64')) return null
  const payload = url.slice(comma + 1, comma + 1 + HEADER_BASE64)
  return imageSize(Buffer.from(payload.slice(0, payload.length - (payload.length % 4)), 'base64'))
}

/** The dimensions in an image's header (PNG, JPEG, GIF, WebP), or null. Reads only what it needs. */
export function imageSize(b: Uint8Array): ImageSize | null {
  const at = (i: number) => (i < b.length ? b[i] : -1)
  const u16be = (i: number) => (i + 1 < b.length ? (b[i] << 8) | b[i + 1] : -1)
  const u16le = (i: number) => (i + 1 < b.length ? b[i] | (b[i + 1] << 8) : -1)
  const u24le = (i: number) => (i + 2 < b.length ? b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) : -1)
  const u32be = (i: number) => (i + 3 < b.length ? ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) : -1)
  const ascii = (i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n))
  const size = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : null)

  if (at(0) === 0x89 && ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR') return size(u32be(16), u32be(20))
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return size(u16le(6), u16le(8))
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const chunk = ascii(12, 4)
    if (chunk === 'VP8 ') return size(u16le(26) & 0x3fff, u16le(28) & 0x3fff)
    if (chunk === 'VP8L' && at(20) === 0x2f && b.length >= 25)
      return size(1 + (((b[22] & 0x3f) << 8) | b[21]), 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6)))
    if (chunk === 'VP8X' && b.length >= 30) return size(1 + u24le(24), 1 + u24le(27))
    return null
  }
  if (at(0) === 0xff && at(1) === 0xd8) return jpegSize(b, u16be)
  return null
}

/** Walks a JPEG's segments (each step moves forward, so it ends) to its start-of-frame. */
function jpegSize(b: Uint8Array, u16be: (i: number) => number): ImageSize | null {
  let i = 2
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]
    if (marker === 0xff) {
      i += 1 // fill byte
      continue
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = u16be(i + 5)
      const width = u16be(i + 7)
      return width > 0 && height > 0 ? { width, height } : null
    }
    // Markers without a length: TEM and RST0–7 (SOI/EOI cannot appear here in a valid header).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2
      continue
    }
    const length = u16be(i + 2)
    if (length < 2) return null
    i += 2 + length
  }
  return null
}
