import { describe, expect, it } from 'vitest'
import { trimDecimalZeros, trimEndOf } from '@/lib/text'

describe('linear string helpers', () => {
  it('trims a trailing run of one character only', () => {
    expect(trimEndOf('https://x/v1///', '/')).toBe('https://x/v1')
    expect(trimEndOf('////', '/')).toBe('')
    expect(trimEndOf('a/b', '/')).toBe('a/b')
  })

  it('drops fraction zeros and a bare point, never integer zeros', () => {
    expect(trimDecimalZeros('0.007500000000')).toBe('0.0075')
    expect(trimDecimalZeros('2.000')).toBe('2')
    expect(trimDecimalZeros('100')).toBe('100')
    expect(trimDecimalZeros('-1.50')).toBe('-1.5')
  })
})
