import { describe, expect, it } from 'vitest'
import { calculateOpenAICost, calculateTextCost, fromTextUsage } from '@/lib/pricing/text'
import type { PriceOverride } from '@/lib/pricing/types'

describe('calculateOpenAICost golden figures', () => {
  it.each([
    ['gpt-4o', '0.0075'],
    ['gpt-5', '0.00625'],
    ['gpt-4o-mini', '0.00045'],
  ])('prices 1,000 input + 500 output tokens of %s at $%s', (model, total) => {
    const cost = calculateOpenAICost(1000, 500, model)
    expect(cost.costStatus).toBe('priced')
    expect(cost.totalCost).toBe(total)
  })

  it('charges cached tokens once, at the cached rate: gpt-5 with 800 of 1,000 cached and 500 out = $0.00535', () => {
    const cost = calculateOpenAICost(1000, 500, 'gpt-5', { cachedInputTokens: 800 })
    expect(cost).toMatchObject({ inputCost: '0.00035', outputCost: '0.005', totalCost: '0.00535', costStatus: 'priced' })
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '1.25', cache_read_mtok: '0.125', output_mtok: '10' })
  })

  it('prices o3 at the rate in force on the day of the call', () => {
    const before = calculateOpenAICost(1_000_000, 1_000_000, 'o3', { at: new Date('2025-06-09T23:59:59Z') })
    const after = calculateOpenAICost(1_000_000, 1_000_000, 'o3', { at: new Date('2025-06-10T00:00:00Z') })
    expect(before).toMatchObject({ inputCost: '10', outputCost: '40', totalCost: '50' })
    expect(after).toMatchObject({ inputCost: '2', outputCost: '8', totalCost: '10' })
    expect(after.priceSnapshot?.effectiveFrom).toBe('2025-06-10')
  })

  it('prices dated snapshots by their family and keeps gpt-4o-2024-05-13 at its own launch price', () => {
    expect(calculateOpenAICost(1000, 500, 'gpt-4o-2024-11-20').totalCost).toBe('0.0075')
    expect(calculateOpenAICost(1000, 500, 'gpt-4o-2024-05-13').totalCost).toBe('0.0125')
  })

  it('charges cached tokens at the full input rate for a model with no cache discount', () => {
    const cost = calculateOpenAICost(1000, 0, 'gpt-4o-2024-05-13', { cachedInputTokens: 1000 })
    expect(cost.totalCost).toBe('0.005')
  })

  it('returns unpriced with null costs — never $0 — for an unknown model', () => {
    expect(calculateOpenAICost(1000, 500, 'gpt-9-imaginary')).toMatchObject({
      costStatus: 'unpriced',
      inputCost: null,
      outputCost: null,
      totalCost: null,
      priceSnapshot: null,
    })
  })

  it.each([[-1, 5], [1.5, 5], [Number.NaN, 5], [5, Number.POSITIVE_INFINITY]])('returns unpriced for invalid counts %s / %s without throwing', (i, o) => {
    expect(calculateOpenAICost(i, o, 'gpt-4o').costStatus).toBe('unpriced')
  })

  it('covers the GPT-5, GPT-4.1, GPT-4o and o-series families', () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o1', 'o3', 'o3-mini', 'o4-mini'])
      expect(calculateOpenAICost(1000, 1000, model).costStatus, model).toBe('priced')
    expect(calculateOpenAICost(1_000_000, 1_000_000, 'gpt-4.1').totalCost).toBe('10')
    expect(calculateOpenAICost(1_000_000, 1_000_000, 'o4-mini').totalCost).toBe('5.5')
  })
})

describe('other vendors\' counting, normalised by their adapters (TextUsage)', () => {
  it('bills Anthropic cache reads and writes beside input, at their own rates', () => {
    // Anthropic reported input_tokens 1000 (excluding the cache), cache_read 10,000, cache_creation 2,000.
    const usage = fromTextUsage({ inputTokens: 13_000, cachedTokens: 10_000, cacheWriteTokens: 2000, outputTokens: 500, reasoningTokens: 0 })
    expect(usage).toEqual({ uncachedInputTokens: 1000, cacheReadTokens: 10_000, cacheWriteTokens: 2000, outputTokens: 500 })
    const cost = calculateTextCost('anthropic', 'claude-sonnet-4-5-20250929', usage)
    // 1000×3 + 10000×0.30 + 2000×3.75 = 13,500 per M → 0.0135; 500×15 → 0.0075
    expect(cost).toMatchObject({ inputCost: '0.0135', outputCost: '0.0075', totalCost: '0.021' })
    expect(cost.priceSnapshot?.rates).toEqual({ input_mtok: '3', output_mtok: '15', cache_read_mtok: '0.3', cache_write_mtok: '3.75' })
  })

  it('applies the above-200k tier to the whole request, counting cached prompt tokens too', () => {
    const usage = fromTextUsage({ inputTokens: 210_000, cachedTokens: 60_000, outputTokens: 1000, reasoningTokens: 0 })
    const cost = calculateTextCost('anthropic', 'claude-sonnet-4-5', usage)
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '6', cache_read_mtok: '0.6', output_mtok: '22.5' })
    // 150,000×6 + 60,000×0.6 = 936,000 per M; 1000×22.5
    expect(cost).toMatchObject({ inputCost: '0.936', outputCost: '0.0225', totalCost: '0.9585' })
  })

  it('bills Gemini thinking tokens as output and cached prompt tokens once', () => {
    // promptTokenCount 1000 holds cachedContentTokenCount 400; candidates 300 + thoughts 700 = 1000 out.
    const usage = fromTextUsage({ inputTokens: 1000, cachedTokens: 400, outputTokens: 1000, reasoningTokens: 700 })
    expect(usage).toEqual({ uncachedInputTokens: 600, cacheReadTokens: 400, cacheWriteTokens: 0, outputTokens: 1000 })
    const cost = calculateTextCost('google', 'gemini-2.5-pro', usage)
    // 600×1.25 + 400×0.125 = 800 per M; 1000×10 per M
    expect(cost).toMatchObject({ inputCost: '0.0008', outputCost: '0.01', totalCost: '0.0108' })
  })

  it('splits usage into disjoint parts that add up to the totals, clamping parts a vendor over-reports', () => {
    expect(fromTextUsage({ inputTokens: 6800, cachedTokens: 800, cacheWriteTokens: 2000, cacheWrite1hTokens: 3000, outputTokens: 1390, reasoningTokens: 50, outputImageTokens: 1290 })).toEqual({
      uncachedInputTokens: 1000,
      cacheReadTokens: 800,
      cacheWriteTokens: 2000,
      cacheWrite1hTokens: 3000,
      outputTokens: 100,
      outputImageTokens: 1290,
    })
    // More cached and written than the prompt holds: never a negative part, never more than the total.
    expect(fromTextUsage({ inputTokens: 100, cachedTokens: 80, cacheWriteTokens: 50, cacheWrite1hTokens: 50, outputTokens: 10, reasoningTokens: 0, outputImageTokens: 20 })).toEqual({
      uncachedInputTokens: 0,
      cacheReadTokens: 80,
      cacheWriteTokens: 20,
      outputTokens: 0,
      outputImageTokens: 10,
    })
  })
})

describe('operator overrides', () => {
  const override = (o: Partial<PriceOverride>): PriceOverride => ({
    id: 'ovr-1',
    provider: 'openai',
    model: 'gpt-4o',
    unit: 'output_mtok',
    variant: '',
    price: '12',
    effectiveFrom: new Date('2026-01-01T00:00:00Z'),
    effectiveTo: null,
    ...o,
  })

  it('win over the catalog while in force, rate by rate', () => {
    const overrides = [override({})]
    const during = calculateOpenAICost(0, 1_000_000, 'gpt-4o', { at: new Date('2026-06-01'), overrides })
    const before = calculateOpenAICost(0, 1_000_000, 'gpt-4o', { at: new Date('2025-12-31'), overrides })
    expect(during.totalCost).toBe('12')
    expect(during.priceSnapshot?.sources.output_mtok).toBe('override:ovr-1')
    expect(before.totalCost).toBe('10')
  })

  it('price a model the catalog does not know', () => {
    const overrides = [
      override({ model: 'in-house-llm', unit: 'input_mtok', price: '0.5' }),
      override({ id: 'ovr-2', model: 'in-house-llm', unit: 'output_mtok', price: '1.5' }),
    ]
    const cost = calculateOpenAICost(2_000_000, 1_000_000, 'in-house-llm', { at: new Date('2026-02-01'), overrides })
    expect(cost).toMatchObject({ costStatus: 'priced', totalCost: '2.5' })
  })
})
