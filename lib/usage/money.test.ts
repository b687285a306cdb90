import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import { usd } from '@/lib/usage/money'

describe('usd', () => {
  it('reads Decimals below 1e-7, which print in exponent notation', () => {
    expect(new Decimal('0.00000015').toString()).toBe('1.5e-7')
    expect(usd(new Decimal('0.00000015'))).toBe('0.00000015')
  })
  it('passes strings and nulls through', () => {
    expect(usd('0.007500000000')).toBe('0.0075')
    expect(usd(null)).toBeNull()
  })
})
