import { describe, expect, it } from 'vitest'
import { calculateImageCost, calculateVideoCost } from '@/lib/pricing/media'
import type { PriceOverride } from '@/lib/pricing/types'
import { trimDecimalZeros } from '@/lib/text'

describe('calculateImageCost', () => {
  it.each([
    ['standard', '1024x1024', '0.04'],
    ['standard', '1792x1024', '0.08'],
    ['hd', '1024x1024', '0.08'],
    ['hd', '1792x1024', '0.12'],
    ['hd', '1024x1792', '0.12'],
  ])('prices DALL-E 3 %s %s at $%s', (quality, size, price) => {
    const cost = calculateImageCost({ provider: 'openai', model: 'dall-e-3', quality, size })
    expect(cost).toMatchObject({ costStatus: 'priced', generationCost: price, totalCost: price })
    expect(cost.priceSnapshot).toMatchObject({ rates: { image: price }, variant: `${quality}|${size}`, sourceUrl: expect.stringMatching(/^https:\/\//) })
  })

  it('uses the API defaults (standard, 1024×1024), accepts "×" and multiplies by count', () => {
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3' }).totalCost).toBe('0.04')
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3', quality: 'HD', size: '1792×1024', count: 3 }).totalCost).toBe('0.36')
  })

  it('prices gpt-image-1 by quality and size, and "auto" as the costliest choice, marked estimated', () => {
    expect(calculateImageCost({ provider: 'openai', model: 'gpt-image-1', quality: 'medium', size: '1024x1024' }).totalCost).toBe('0.042')
    expect(calculateImageCost({ provider: 'openai', model: 'gpt-image-1' })).toMatchObject({ costStatus: 'estimated', totalCost: '0.25' })
  })

  it('bills gpt-image-1 from the response usage when it is given', () => {
    // 100 text tokens × $5/M + 500 image tokens in × $10/M + 4,160 image tokens out × $40/M
    const cost = calculateImageCost({
      provider: 'openai',
      model: 'gpt-image-1',
      usage: { inputTextTokens: 100, inputImageTokens: 500, outputImageTokens: 4160 },
    })
    expect(cost).toMatchObject({ costStatus: 'priced', inputCost: '0.0055', outputCost: '0.1664', totalCost: '0.1719' })
  })

  it.each([
    ['bfl', 'flux-pro-1.1', '0.04'],
    ['bfl', 'flux-pro-1.1-ultra', '0.06'],
    ['bfl', 'flux-dev', '0.025'],
    ['bfl', 'flux-kontext-pro', '0.04'],
    ['bfl', 'flux-kontext-max', '0.08'],
    ['replicate', 'flux-schnell', '0.003'],
    ['stability', 'stable-image-ultra', '0.08'],
    ['stability', 'stable-image-core', '0.03'],
    ['stability', 'sd3.5-large', '0.065'],
    ['stability', 'sd3.5-large-turbo', '0.04'],
    ['stability', 'sd3.5-medium', '0.035'],
    ['ideogram', 'ideogram-v2', '0.08'],
  ])('prices %s %s at $%s', (provider, model, price) => {
    expect(calculateImageCost({ provider, model }).totalCost).toBe(price)
  })

  it('prices Ideogram 3 by tier', () => {
    expect(calculateImageCost({ provider: 'ideogram', model: 'ideogram-v3', quality: 'turbo' }).totalCost).toBe('0.03')
    expect(calculateImageCost({ provider: 'ideogram', model: 'ideogram-v3' }).totalCost).toBe('0.06')
    expect(calculateImageCost({ provider: 'ideogram', model: 'ideogram-v3', quality: 'quality' }).totalCost).toBe('0.09')
  })

  it('returns unpriced, not $0, for unknown models and sizes, and for bad counts', () => {
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-9' })).toMatchObject({ costStatus: 'unpriced', totalCost: null })
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3', size: '512x512' })).toMatchObject({
      costStatus: 'unpriced',
      note: 'openai/dall-e-3 has no image price for "standard|512x512"',
    })
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3', count: 0 }).costStatus).toBe('unpriced')
  })

  it('lets an operator override one variant or every variant', () => {
    const base = { provider: 'openai', model: 'dall-e-3', unit: 'image', effectiveFrom: new Date('2026-01-01'), effectiveTo: null }
    const overrides: PriceOverride[] = [
      { ...base, id: 'hd-wide', variant: 'hd|1792x1024', price: '0.1' },
      { ...base, id: 'all', variant: '', price: '0.05' },
    ]
    const at = new Date('2026-03-01')
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3', quality: 'hd', size: '1792x1024', at, overrides }).totalCost).toBe('0.1')
    expect(calculateImageCost({ provider: 'openai', model: 'dall-e-3', at, overrides }).totalCost).toBe('0.05')
  })
})

describe('calculateVideoCost', () => {
  it('prices Runway gen4_turbo 10 s at $0.50', () => {
    expect(calculateVideoCost({ provider: 'runway', model: 'gen4_turbo', seconds: 10 })).toMatchObject({ costStatus: 'priced', totalCost: '0.5' })
  })

  it.each([
    ['runway', 'gen3a_turbo', 5, undefined, '0.25'],
    ['runway', 'gen4_aleph', 5, undefined, '0.75'],
    ['runway', 'veo3', 8, undefined, '3.2'],
    ['openai', 'sora-2', 4, undefined, '0.4'],
    ['openai', 'sora-2-pro', 4, '1792x1024', '2'],
    // 1280×720×24 px/s × 5 s × $0.0064 per million pixels
    ['luma', 'ray-2', 5, '720p', '0.70778880'],
    ['luma', 'ray-2', 5, '1080p', '1.5925248'],
    ['luma', 'ray-flash-2', 5, '720p', '0.2433024'],
  ])('prices %s %s for %i s at %s as $%s', (provider, model, seconds, resolution, price) => {
    expect(calculateVideoCost({ provider, model, seconds, resolution }).totalCost).toBe(trimDecimalZeros(price))
  })

  it('prices fractional seconds exactly', () => {
    expect(calculateVideoCost({ provider: 'runway', model: 'gen4_turbo', seconds: '5.042' }).totalCost).toBe('0.2521')
  })

  it('returns unpriced for unknown models and resolutions and for bad durations', () => {
    expect(calculateVideoCost({ provider: 'runway', model: 'gen9', seconds: 5 }).costStatus).toBe('unpriced')
    expect(calculateVideoCost({ provider: 'openai', model: 'sora-2', seconds: 5, resolution: '4k' }).costStatus).toBe('unpriced')
    for (const seconds of [-1, 'ten', '1.0001', Number.NaN]) expect(calculateVideoCost({ provider: 'runway', model: 'gen4_turbo', seconds }).costStatus).toBe('unpriced')
  })
})
