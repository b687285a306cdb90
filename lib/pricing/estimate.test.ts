import { describe, expect, it } from 'vitest'
import { countPromptTokens, defaultOutputCap, estimateChatCost, estimateMaxCost, largestOutputWithin } from '@/lib/pricing/estimate'
import { resolveTextModel } from '@/lib/pricing/text'

describe('estimateMaxCost', () => {
  const messages = [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Hello world, how are you?' },
  ]

  it('counts prompt tokens with OpenAI chat framing', () => {
    expect(countPromptTokens(messages)).toBe(22)
  })

  it('prices prompt tokens at the input rate and max_tokens at the output rate', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o', messages, maxOutputTokens: 1000 })
    // 22 × $2.50/M + 1000 × $10/M
    expect(estimate).toMatchObject({ costStatus: 'estimated', promptTokens: 22, maxOutputTokens: 1000, totalCost: '0.010055' })
  })

  it('holds a capped default when max_tokens is absent', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-5', messages })
    expect(estimate.maxOutputTokens).toBe(16_384)
    expect(estimate.totalCost).toBe('0.1638675') // 22 × 1.25/M + 16,384 × 10/M
  })

  it('is never below the real cost of a call that stays within max_tokens', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o-mini', messages, maxOutputTokens: 200 })
    const actual = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o-mini', messages, maxOutputTokens: 57 })
    expect(Number(estimate.totalCost)).toBeGreaterThan(Number(actual.totalCost))
  })

  it('counts image parts and text parts of multimodal messages', () => {
    const withImage = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://x' } }] }]
    expect(countPromptTokens(withImage)).toBe(countPromptTokens([{ role: 'user', content: 'What is this?' }]) + 765)
  })

  it('prices images and video by their own tables, "auto" at the costliest option', () => {
    expect(estimateMaxCost({ service: 'image', provider: 'openai', model: 'gpt-image-1', count: 2 }).totalCost).toBe('0.5')
    expect(estimateMaxCost({ service: 'video', provider: 'runway', model: 'gen4_turbo', seconds: 10 }).totalCost).toBe('0.5')
  })

  it('is unpriced, with null cost, for an unknown model', () => {
    expect(estimateMaxCost({ service: 'chat', provider: 'openai', model: 'mystery', messages })).toMatchObject({ costStatus: 'unpriced', totalCost: null })
  })
})

describe('countPromptTokens with unusual messages', () => {
  it('accepts an assistant turn that only calls tools, and parts of any shape', () => {
    expect(() => countPromptTokens([{ role: 'assistant' }, { role: 'user', content: [null, 7, { type: 'text', text: 'hi' }] }])).not.toThrow()
  })
})

describe('output caps', () => {
  const gpt4o = resolveTextModel('openai', 'gpt-4o')

  it('defaults to 16,384 per answer, less for models that cannot write that much or a nearly full context', () => {
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4o'), 22)).toBe(16_384)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-3.5-turbo'), 22)).toBe(4_096)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4'), 8_000)).toBe(192)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4o'), 200_000)).toBe(1)
    expect(defaultOutputCap(resolveTextModel('openai', 'mystery'), 22)).toBe(4_096)
  })

  it('finds the largest cap per answer whose hold fits the room left, exactly', () => {
    // 22 × $2.50/M = $0.000055 of prompt; 16 answers × t tokens × $10/M must fit in what is left of $0.50.
    const fits = largestOutputWithin(gpt4o, 22, 16, '0.5', 16_384)!
    expect(fits).toBe(3_124)
    expect(Number(estimateChatCost(gpt4o, 22, fits * 16).totalCost)).toBeLessThanOrEqual(0.5)
    expect(Number(estimateChatCost(gpt4o, 22, (fits + 1) * 16).totalCost)).toBeGreaterThan(0.5)
  })

  it('never goes past the ceiling, answers 0 when not even the prompt fits, null when unpriced', () => {
    expect(largestOutputWithin(gpt4o, 22, 1, '1000', 16_384)).toBe(16_384)
    expect(largestOutputWithin(gpt4o, 22, 1, '0.00001', 16_384)).toBe(0)
    expect(largestOutputWithin(resolveTextModel('openai', 'mystery'), 22, 1, '1', 16_384)).toBeNull()
  })
})
