// Golden prices for every served vendor, through the path the gateway takes: a TextUsage from
// an adapter, split by fromTextUsage, priced from the bundled catalog (pins included).
import { describe, expect, it } from 'vitest'
import { calculateTextCost, fromTextUsage } from '@/lib/pricing/text'
import type { TextUsage } from '@/lib/providers/types'

const usage = (u: Partial<TextUsage> & Pick<TextUsage, 'inputTokens' | 'outputTokens'>): TextUsage => ({ cachedTokens: 0, reasoningTokens: 0, ...u })
const price = (provider: string, model: string, u: TextUsage, at?: string) => calculateTextCost(provider, model, fromTextUsage(u), at ? { at: new Date(at) } : {})

describe('Anthropic cache writes', () => {
  it('prices 5,000 five-minute cache-write tokens at 1.25× input: claude-sonnet-4-5, 1,000 in + 5,000 written + 500 out = $0.02925', () => {
    const cost = price('anthropic', 'claude-sonnet-4-5', usage({ inputTokens: 6000, cacheWriteTokens: 5000, outputTokens: 500 }))
    // 1000×3 + 5000×3.75 = 21,750 per M; 500×15 = 7,500 per M
    expect(cost).toMatchObject({ costStatus: 'priced', inputCost: '0.02175', outputCost: '0.0075', totalCost: '0.02925' })
    expect(cost.priceSnapshot?.rates.cache_write_mtok).toBe('3.75')
  })

  it('prices 5,000 one-hour cache-write tokens at 2× input: $0.0405', () => {
    const cost = price('anthropic', 'claude-sonnet-4-5-20250929', usage({ inputTokens: 6000, cacheWrite1hTokens: 5000, outputTokens: 500 }))
    // 1000×3 + 5000×6 = 33,000 per M
    expect(cost).toMatchObject({ inputCost: '0.033', outputCost: '0.0075', totalCost: '0.0405' })
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '3', cache_write_1h_mtok: '6' })
  })

  it('prices reads, 5-minute and 1-hour writes of one call each at its own rate', () => {
    const cost = price('anthropic', 'claude-sonnet-4-5', usage({ inputTokens: 6800, cachedTokens: 800, cacheWriteTokens: 2000, cacheWrite1hTokens: 3000, outputTokens: 500 }))
    // 1000×3 + 800×0.3 + 2000×3.75 + 3000×6 = 28,740 per M
    expect(cost).toMatchObject({ inputCost: '0.02874', totalCost: '0.03624' })
  })

  it('tiers the 1-hour rate like the input rate above 200k prompt tokens', () => {
    const cost = price('anthropic', 'claude-sonnet-4-5', usage({ inputTokens: 250_000, cacheWrite1hTokens: 100_000, outputTokens: 0 }))
    // 150,000×6 + 100,000×12
    expect(cost).toMatchObject({ inputCost: '2.1', totalCost: '2.1' })
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '6', cache_write_1h_mtok: '12' })
  })

  it('derives the 1-hour rate for every Claude generation (Haiku 4.5: $2, Opus 4.1: $30)', () => {
    const oneHour = (model: string) => price('anthropic', model, usage({ inputTokens: 1_000_000, cacheWrite1hTokens: 1_000_000, outputTokens: 0 })).totalCost
    expect(oneHour('claude-haiku-4-5')).toBe('2')
    expect(oneHour('claude-opus-4-1')).toBe('30')
    expect(oneHour('claude-3-5-haiku-20241022')).toBe('1.6')
  })
})

describe('Gemini', () => {
  it('prices image-output tokens at output_image_mtok: gemini-2.5-flash-image, one 1,290-token image + 100 text tokens = $0.03925', () => {
    const cost = price('google', 'gemini-2.5-flash-image', usage({ inputTokens: 1000, outputTokens: 1390, outputImageTokens: 1290 }))
    // 1000×0.3 in; 100×2.5 + 1290×30 = 38,950 per M out
    expect(cost).toMatchObject({ inputCost: '0.0003', outputCost: '0.03895', totalCost: '0.03925' })
    expect(cost.priceSnapshot?.rates).toMatchObject({ output_mtok: '2.5', output_image_mtok: '30' })
  })

  it('prices gemini-2.5-pro above the 200k tier at the higher rates for the whole prompt, thoughts as output', () => {
    const cost = price('google', 'gemini-2.5-pro', usage({ inputTokens: 250_000, cachedTokens: 50_000, outputTokens: 2000, reasoningTokens: 1500 }))
    // 200,000×2.5 + 50,000×0.25 = 512,500 per M; 2000×15
    expect(cost).toMatchObject({ inputCost: '0.5125', outputCost: '0.03', totalCost: '0.5425' })
    expect(cost.priceSnapshot?.rates).toMatchObject({ input_mtok: '2.5', cache_read_mtok: '0.25', output_mtok: '15' })
    // 200,000 prompt tokens exactly is still the base tier.
    expect(price('google', 'gemini-2.5-pro', usage({ inputTokens: 200_000, outputTokens: 0 })).totalCost).toBe('0.25')
  })
})

describe('DeepSeek at the pinned rates (genai-prices still has V3/R1 prices)', () => {
  // 1,000 prompt tokens of which 800 are cache hits, 500 out.
  const call = usage({ inputTokens: 1000, cachedTokens: 800, outputTokens: 500 })

  it.each([
    ['2025-09-04T12:00:00Z', '0.00033', null], // genai-prices' default (the off-peak price of the time)
    ['2025-09-10T00:00:00Z', '0.001008', '2025-09-05'], // V3.1: 200×0.56 + 800×0.07 + 500×1.68
    ['2025-10-15T00:00:00Z', '0.0002884', '2025-09-29'], // V3.2: 200×0.28 + 800×0.028 + 500×0.42
    ['2026-04-25T00:00:00Z', '0.0001904', '2026-04-24'], // V4 flash: 200×0.14 + 800×0.028 + 500×0.28
    ['2026-05-01T00:00:00Z', '0.00017024', '2026-04-26'], // cache hits at 0.0028
  ])('deepseek-chat on %s costs $%s', (at, total, from) => {
    const cost = price('deepseek', 'deepseek-chat', call, at)
    expect(cost.totalCost).toBe(total)
    expect(cost.priceSnapshot?.effectiveFrom).toBe(from)
  })

  it('prices deepseek-reasoner like deepseek-chat since V3.1, reasoning billed once as output, and names the pin as the source', () => {
    const cost = price('deepseek', 'deepseek-reasoner', usage({ inputTokens: 1000, cachedTokens: 800, outputTokens: 500, reasoningTokens: 400 }), '2025-10-15T00:00:00Z')
    expect(cost).toMatchObject({ inputCost: '0.0000784', outputCost: '0.00021', totalCost: '0.0002884' })
    expect(cost.priceSnapshot?.sources.input_mtok).toMatch(/^https:\/\/api-docs\.deepseek\.com\/quick_start\/pricing .*checked 2026-12-02$/)
  })
})

describe('Mistral Large 3 (pinned as mistral-large-latest)', () => {
  const million = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })

  it('moves mistral-large-latest to $0.50 / $1.50 on 2025-12-02 and keeps Large 2 before', () => {
    expect(price('mistral', 'mistral-large-latest', million, '2025-12-01T23:59:59Z')).toMatchObject({ inputCost: '2', outputCost: '6' })
    const after = price('mistral', 'mistral-large-latest', million, '2025-12-02T00:00:00Z')
    expect(after).toMatchObject({ inputCost: '0.5', outputCost: '1.5', totalCost: '2' })
    expect(after.priceSnapshot?.pricedAs).toBe('mistral/mistral-large-latest')
  })

  it('leaves the dated ids of the family at their own prices', () => {
    expect(price('mistral', 'mistral-large-2411', million, '2026-06-01T00:00:00Z').totalCost).toBe('8')
    expect(price('mistral', 'mistral-large-2512', million, '2026-06-01T00:00:00Z').totalCost).toBe('2')
  })
})

describe('xAI', () => {
  it('prices grok-4 (alias of grok-4-0709) with cached prompt tokens: $0.01005', () => {
    const cost = price('x-ai', 'grok-4', usage({ inputTokens: 1000, cachedTokens: 200, outputTokens: 500, reasoningTokens: 300 }))
    // 800×3 + 200×0.75 = 2,550 per M; 500×15
    expect(cost).toMatchObject({ inputCost: '0.00255', outputCost: '0.0075', totalCost: '0.01005' })
    expect(cost.priceSnapshot?.pricedAs).toBe('x-ai/grok-4-0709')
  })

  it('finds the price when the gateway names the provider "xai" rather than genai-prices\' "x-ai"', () => {
    expect(price('xai', 'grok-3-mini', usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })).totalCost).toBe('0.8')
  })
})
