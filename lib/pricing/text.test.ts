import { describe, expect, it } from 'vitest'
import { calculateOpenAICost, calculateTextCost, fromAnthropicUsage, fromGeminiUsage } from '@/lib/pricing/text'
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

describe('other vendors\' counting', () => {
  it('bills Anthropic cache reads and writes beside input, at their own rates', () => {
    const usage = fromAnthropicUsage({ inputTokens: 1000, cacheReadTokens: 10_000, cacheWriteTokens: 2000, outputTokens: 500 })
    const cost = calculateTextCost('anthropic', 'claude-sonnet-4-5-20250929', usage)
    // 1000×3 + 10000×0.30 + 2000×3.75 = 13,500 per M → 0.0135; 500×15 → 0.0075
    expect(cost).toMatchObject({ inputCost: '0.0135', outputCost: '0.0075', totalCost: '0.021' })
  })

  it('applies the above-200k tier to the whole request, counting cached prompt tokens too', () => {
    const usage = fromAnthropicUsage({ inputTokens: 150_000, cacheReadTokens: 60_000, outputTokens: 1000 })
    const cost = calculateTextCost('anthropic', 'claude-sonnet-4-5', usage)
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '6', cache_read_mtok: '0.6', output_mtok: '22.5' })
  })

  it('bills Gemini thinking tokens as output and cached prompt tokens once', () => {
    const usage = fromGeminiUsage({ promptTokens: 1000, cachedTokens: 400, candidatesTokens: 300, thoughtsTokens: 700 })
    const cost = calculateTextCost('google', 'gemini-2.5-pro', usage)
    // 600×1.25 + 400×0.125 = 800 per M; 1000×10 per M
    expect(cost).toMatchObject({ inputCost: '0.0008', outputCost: '0.01', totalCost: '0.0108' })
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
