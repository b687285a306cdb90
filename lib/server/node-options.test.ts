import { describe, expect, it } from 'vitest'
import { DEFAULT_HEAP_MB, withHeapCap } from '@/lib/server/node-options'

describe('withHeapCap', () => {
  it('adds the default heap cap, keeping other options', () => {
    expect(withHeapCap(undefined)).toBe(`--max-old-space-size=${DEFAULT_HEAP_MB}`)
    expect(withHeapCap('--enable-source-maps')).toBe(`--enable-source-maps --max-old-space-size=${DEFAULT_HEAP_MB}`)
  })

  it('leaves an operator\'s own cap alone', () => {
    expect(withHeapCap('--max-old-space-size=1024')).toBe('--max-old-space-size=1024')
  })
})
