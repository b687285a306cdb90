import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { costOf, formatUsd, parseUsd, sumUsd } from '@/lib/pricing/money'

describe('money', () => {
  it.each([
    ['0', '0'],
    ['1.25', '1.25'],
    ['0.000000005', '0.000000005'],
    ['12.500000000000', '12.5'],
    ['0.000000000001', '0.000000000001'],
  ])('round-trips %s as %s', (input, output) => {
    expect(formatUsd(parseUsd(input))).toBe(output)
  })

  it('reads JSON numbers through their shortest decimal form, exponents included', () => {
    expect(formatUsd(parseUsd(0.075))).toBe('0.075')
    expect(formatUsd(parseUsd(5e-7))).toBe('0.0000005')
    expect(formatUsd(parseUsd(1.5e3))).toBe('1500')
  })

  it.each(['', 'abc', '1.2.3', '1e5', '0.0000000000001', 'NaN'])('refuses %j', (bad) => {
    expect(() => parseUsd(bad)).toThrow()
  })

  it('multiplies a per-million rate exactly', () => {
    expect(formatUsd(costOf(parseUsd('0.01875'), 3, 1_000_000))).toBe('0.00000005625')
  })

  it('sums a million small costs to the exact total (float addition does not)', () => {
    const cost = parseUsd('0.000123456789')
    const total = sumUsd(Array.from({ length: 1_000_000 }, () => cost))
    expect(formatUsd(total)).toBe('123.456789')
    let float = 0
    for (let i = 0; i < 1_000_000; i++) float += 0.000123456789
    expect(float).not.toBe(123.456789)
  })

  it('property: the sum of random costs equals the exact decimal sum computed digit by digit', () => {
    // Costs as integer pico-dollar strings built independently of parseUsd, summed with BigInt.
    const costArb = fc.bigInt({ min: 0n, max: 10n ** 15n }).map((pico) => {
      const s = pico.toString().padStart(13, '0')
      return `${s.slice(0, -12)}.${s.slice(-12)}`
    })
    fc.assert(
      fc.property(fc.array(costArb, { minLength: 1, maxLength: 2000 }), (costs) => {
        const expected = costs.reduce((acc, c) => acc + BigInt(c.replace('.', '')), 0n)
        const total = sumUsd(costs.map(parseUsd))
        expect(total).toBe(expected)
        expect(parseUsd(formatUsd(total))).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })

  it('property: a text cost equals tokens × rate ÷ 1,000,000 exactly for any count and catalog-precision rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }), (tokens, microRate) => {
        // a rate with up to 6 decimals, as every catalog rate has
        const rate = `${Math.floor(microRate / 1_000_000)}.${String(microRate % 1_000_000).padStart(6, '0')}`
        const exact = BigInt(tokens) * BigInt(microRate) // in 1e-12 USD: micro-dollars per Mtok × tokens
        expect(costOf(parseUsd(rate), tokens, 1_000_000)).toBe(exact)
      }),
      { numRuns: 500 },
    )
  })
})
