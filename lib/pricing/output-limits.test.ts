// The default output cap the gateway holds for and sends upstream must never exceed what the
// vendor accepts (Anthropic refuses a max_tokens above the model's limit; so do the others).
import { describe, expect, it } from 'vitest'
import { CONTEXT_WINDOWS, OUTPUT_LIMITS } from '@/lib/pricing/data/output-limits'
import { defaultOutputCap } from '@/lib/pricing/estimate'
import { resolveTextModel } from '@/lib/pricing/text'
import { textCatalog } from '@/lib/pricing/text-catalog'

describe('output limits of the served vendors\' models', () => {
  it.each([
    ['anthropic', 'claude-sonnet-4-5-20250929', 64_000],
    ['anthropic', 'claude-opus-4-1-20250805', 32_000],
    ['anthropic', 'claude-haiku-4-5', 64_000],
    ['anthropic', 'claude-3-7-sonnet-20250219', 64_000],
    ['anthropic', 'claude-opus-4-20250514', 32_000],
    ['anthropic', 'claude-sonnet-4-20250514', 64_000],
    ['anthropic', 'claude-3-5-haiku-20241022', 8_192],
    ['anthropic', 'claude-3-haiku-20240307', 4_096],
    ['google', 'gemini-2.5-pro', 65_536],
    ['google', 'gemini-2.5-flash', 65_536],
    ['google', 'gemini-2.0-flash', 8_192],
    ['google', 'gemini-2.0-flash-001', 8_192],
    ['google', 'gemini-2.5-flash-image', 32_768],
    ['deepseek', 'deepseek-chat', 8_192],
    ['deepseek', 'deepseek-reasoner', 65_536],
  ])('%s/%s may write %i tokens', (provider, model, limit) => {
    expect(OUTPUT_LIMITS[resolveTextModel(provider, model).entry?.model.id ?? '']).toBe(limit)
  })

  it.each([
    ['anthropic', 'claude-sonnet-4-5', 16_384],
    ['anthropic', 'claude-3-5-haiku-latest', 8_192],
    ['anthropic', 'claude-3-haiku-20240307', 4_096],
    ['google', 'gemini-2.0-flash', 8_192],
    // genai-prices has no context window for 2.5 Pro: ours lets it have the full default cap.
    ['google', 'gemini-2.5-pro', 16_384],
    ['deepseek', 'deepseek-chat', 8_192],
    ['deepseek', 'deepseek-reasoner', 16_384],
    ['mistral', 'mistral-large-latest', 16_384],
    ['mistral', 'mistral-small-latest', 16_384],
    ['x-ai', 'grok-4', 16_384],
  ])('%s/%s gets a default cap of %i for a short prompt', (provider, model, cap) => {
    expect(defaultOutputCap(resolveTextModel(provider, model), 22)).toBe(cap)
  })

  it('gives a model its own limit when asked to (Anthropic requires max_tokens), still inside the context', () => {
    expect(defaultOutputCap(resolveTextModel('anthropic', 'claude-sonnet-4-5'), 22, { upToModelLimit: true })).toBe(64_000)
    expect(defaultOutputCap(resolveTextModel('anthropic', 'claude-opus-4-1'), 22, { upToModelLimit: true })).toBe(32_000)
    expect(defaultOutputCap(resolveTextModel('anthropic', 'claude-sonnet-4-5'), 150_000, { upToModelLimit: true })).toBe(50_000)
    // A model whose limit is unknown keeps the gateway's default.
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4o'), 22, { upToModelLimit: true })).toBe(16_384)
  })

  it('keeps the cap inside the context where that is smaller (Magistral 40k, Grok 2 32k)', () => {
    expect(defaultOutputCap(resolveTextModel('mistral', 'magistral-medium-2509'), 30_000)).toBe(10_960)
    expect(defaultOutputCap(resolveTextModel('x-ai', 'grok-2-1212'), 30_000)).toBe(2_768)
  })

  it('never sends more than the model\'s limit, whichever provider\'s entry prices it', () => {
    let checked = 0
    for (const provider of textCatalog.providers)
      for (const model of provider.models) {
        const limit = OUTPUT_LIMITS[model.id]
        if (limit === undefined) continue
        const ref = resolveTextModel(provider.id, model.id)
        expect(ref.entry?.model.id).toBe(model.id)
        expect(defaultOutputCap(ref, 1), `${provider.id}/${model.id}`).toBeLessThanOrEqual(limit)
        checked += 1
      }
    expect(checked).toBeGreaterThanOrEqual(40)
  })

  it('names only models the catalog has (a renamed entry would silently lose its limit)', () => {
    const ids = new Set(textCatalog.providers.flatMap((p) => p.models.map((m) => m.id)))
    expect(Object.keys(OUTPUT_LIMITS).filter((id) => !ids.has(id))).toEqual([])
    expect(Object.keys(CONTEXT_WINDOWS).filter((id) => !ids.has(id))).toEqual([])
  })
})
