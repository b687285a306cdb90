// OpenAI's tile formula against its published examples, and image sizes read from the headers
// real encoders write (the headers of 1500×700 images made by sharp/libvips; the JPEG's frame
// comes after an EXIF segment, the WebPs are lossy, lossless and with alpha: VP8, VP8L, VP8X).
import { describe, expect, it } from 'vitest'
import { dataUrlImageSize, imageSize, imageTokens } from '@/lib/pricing/image-tokens'

const HEADERS = {
  png: 'iVBORw0KGgoAAAANSUhEUgAABdwAAAK8CAMAAADCuI2CAAAAA1BMVEX/AAAZ4gk3AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAEEUlEQVR42u3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB+Bgk8AAEJJkplAAAAAElFTkSuQmCC',
  jpeg: '/9j/4QDSRXhpZgAASUkqAAgAAAAHABIBAwABAAAAAQAAABoBBQABAAAAYgAAABsBBQABAAAAagAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAJiCAgAJAAAAcgAAAGmHBAABAAAAfAAAAAAAAAA4YwAA6AMAADhjAADoAwAAdG9sbGdhdGUAAAYAAJAHAAQAAAAwMjEwAZEHAAQAAAABAgMAAKAHAAQAAAAwMTAwAaADAAEAAAD//wAAAqAEAAEAAADcBQAAA6AEAAEAAAC8AgAAAAAAAP/iAfBJQ0NfUFJPRklMRQABAQAAAeBsY21zBCAAAG1udHJSR0IgWFlaIAfiAAMAFAAJAA4AHWFjc3BNU0ZUAAAAAHNhd3NjdHJsAAAAAAAAAAAAAAAAAAD21gABAAAAANMtaGFuZHnpv1ZaPgG2gyOFVUb3T6oAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACmRlc2MAAAD8AAAAJGNwcnQAAAEgAAAAInd0cHQAAAFEAAAAFGNoYWQAAAFYAAAALHJYWVoAAAGEAAAAFGdYWVoAAAGYAAAAFGJYWVoAAAGsAAAAFHJUUkMAAAHAAAAAIGdUUkMAAAHAAAAAIGJUUkMAAAHAAAAAIG1sdWMAAAAAAAAAAQAAAAxlblVTAAAACAAAABwAcwBSAEcAQm1sdWMAAAAAAAAAAQAAAAxlblVTAAAABgAAABwAQwBDADAAAFhZWiAAAAAAAAD21gABAAAAANMtc2YzMgAAAAAAAQw/AAAF3f//8yYAAAeQAAD9kv//+6H///2iAAAD3AAAwHFYWVogAAAAAAAAb6AAADjyAAADj1hZWiAAAAAAAABilgAAt4kAABjaWFlaIAAAAAAAACSgAAAPhQAAtsRwYXJhAAAAAAADAAAAAmZpAADypwAADVkAABPQAAAKW//bAEMAUDc8RjwyUEZBRlpVUF94yIJ4bm549a+5kcj////////////////////////////////////////////////////bAEMBVVpaeGl464KC6//////////////////////////////////////////////////////////////////////////AABEIArwF3AM=',
  gif: 'R0lGODlh3AW8AoAAAExpcQ==',
  webp: 'UklGRqQHAABXRUJQVlA4IJgHAADQ4QCdASrcBbwCP80=',
  webpLossless: 'UklGRlIAAABXRUJQVlA4TEUAAAAv28WuAAcQ/Y/+BxQ=',
  webpAlpha: 'UklGRv4HAABXRUJQVlA4WAoAAAAQAAAA2wUAuwIAQUw=',
}
const bytes = (b64: string) => Buffer.from(b64, 'base64')

describe('imageTokens (OpenAI: platform.openai.com/docs/guides/images-vision, calculating costs)', () => {
  it('matches the published examples', () => {
    // 1024×1024 high: scaled to 768×768, 4 tiles: 170 × 4 + 85
    expect(imageTokens({ width: 1024, height: 1024 }, 'high')).toBe(765)
    // 2048×4096 high: fit to 1024×2048, then 768×1536, 6 tiles: 170 × 6 + 85
    expect(imageTokens({ width: 2048, height: 4096 }, 'high')).toBe(1105)
    // 4096×8192 low: a fixed 85
    expect(imageTokens({ width: 4096, height: 8192 }, 'low')).toBe(85)
  })
  it('never enlarges a small image, and counts auto as high', () => {
    expect(imageTokens({ width: 512, height: 512 }, 'auto')).toBe(255)
    expect(imageTokens({ width: 100, height: 600 }, 'high')).toBe(85 + 170 * 2)
  })
  it('counts an image of unknown size as the costliest high-detail one (768×2048: 8 tiles)', () => {
    expect(imageTokens(null, 'auto')).toBe(85 + 170 * 8)
    expect(imageTokens(null, 'low')).toBe(85)
    const sizes = [[768, 2048], [2048, 768], [1000, 3000], [2048, 2048], [5000, 200], [769, 2047]]
    for (const [width, height] of sizes) expect(imageTokens({ width, height }, 'high')).toBeLessThanOrEqual(imageTokens(null, 'high'))
  })
  it('uses gpt-4o-mini\'s own constants (2,833 base, 5,667 per tile)', () => {
    expect(imageTokens({ width: 1024, height: 1024 }, 'high', 'gpt-4o-mini')).toBe(2833 + 5667 * 4)
    expect(imageTokens({ width: 128, height: 64 }, 'low', 'gpt-4o-mini-2024-07-18')).toBe(2833)
    expect(imageTokens({ width: 1024, height: 1024 }, 'high', 'gpt-4o')).toBe(765)
  })
})

describe('image sizes from headers', () => {
  it('reads PNG, JPEG (past EXIF), GIF and the three WebP forms', () => {
    for (const [format, b64] of Object.entries(HEADERS)) expect([format, imageSize(bytes(b64))]).toEqual([format, { width: 1500, height: 700 }])
  })
  it('reads a base64 data: URL\'s image and nothing else', () => {
    expect(dataUrlImageSize(`data:image/png;base64,${HEADERS.png}`)).toEqual({ width: 1500, height: 700 })
    expect(dataUrlImageSize(`data:image/jpeg;base64,${HEADERS.jpeg}`)).toEqual({ width: 1500, height: 700 })
    expect(dataUrlImageSize('https://example.com/cat.png')).toBeNull()
    expect(dataUrlImageSize('data:image/png,%89PNG')).toBeNull()
    expect(dataUrlImageSize('data:image/png;base64,bm90IGFuIGltYWdl')).toBeNull()
  })
  it('gives up, rather than reading on, on cut or hostile headers', () => {
    for (const b64 of Object.values(HEADERS)) {
      const whole = bytes(b64)
      for (const n of [0, 1, 4, 12, 20, 24, 28]) expect(() => imageSize(whole.subarray(0, n))).not.toThrow()
    }
    // A JPEG whose segments claim to go on past the bytes given; a zero-length segment.
    expect(imageSize(Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0, 0]))).toBeNull()
    expect(imageSize(Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x00, 0, 0]))).toBeNull()
    // The frame lies beyond the first 256 KB of a data: URL: not read (the worst case is counted).
    const jpeg = bytes(HEADERS.jpeg)
    const segments: Buffer[] = []
    for (let i = 0; i < 5; i += 1) segments.push(Buffer.from([0xff, 0xe2, 0xfd, 0xea]), Buffer.alloc(0xfdea - 2))
    const far = Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)])
    expect(imageSize(far)).toEqual({ width: 1500, height: 700 })
    expect(dataUrlImageSize(`data:image/jpeg;base64,${far.toString('base64')}`)).toBeNull()
  })
})
