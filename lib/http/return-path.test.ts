import { describe, expect, it } from 'vitest'
import { safeReturnPath } from '@/lib/http/return-path'

describe('safeReturnPath', () => {
  it.each(['/settings', '/settings?tab=usage', '/studio/images#latest'])('keeps the same-site path %s', (path) => {
    expect(safeReturnPath(path)).toBe(path)
  })

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'settings', '', '/\nSet-Cookie:x', undefined, 42])(
    'replaces %j with /studio',
    (value) => {
      expect(safeReturnPath(value)).toBe('/studio')
    },
  )
})
