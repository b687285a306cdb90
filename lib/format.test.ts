import { describe, expect, it } from 'vitest'
import { formatMoney } from '@/lib/format'

describe('formatMoney', () => {
  it.each([
    ['12.345', '$12.35'],
    ['0', '$0.00'],
    ['0.01', '$0.01'],
    ['0.000375', '$0.000375'],
    ['0.0000123456', '$0.0000123'],
    [null, '—'],
  ])('%s → %s', (amount, text) => {
    expect(formatMoney(amount)).toBe(text)
  })
})
