// The model list: one entry per id, each where a bare id of that name is routed.
import { describe, expect, it } from 'vitest'
import { listModels } from '@/lib/gateway/models'
import { resolveTextTarget } from '@/lib/gateway/text-route'

describe('listModels', () => {
  const models = listModels([])
  it('lists each id once', () => {
    const seen = new Map<string, number>()
    for (const m of models) seen.set(m.id, (seen.get(m.id) ?? 0) + 1)
    expect([...seen].filter(([, n]) => n > 1)).toEqual([])
  })
  it('lists each chat model under the provider a call of that name goes to', () => {
    const text = models.filter((m) => m.services.includes('chat'))
    const served = Object.fromEntries(text.map((m) => [m.id, m.provider]))
    for (const [id, provider] of Object.entries({ 'gpt-4o': 'openai', 'claude-sonnet-4-5': 'anthropic', 'gemini-2.5-flash': 'gemini', 'deepseek-v4-flash': 'deepseek', 'mistral-large-latest': 'mistral', 'grok-4.3': 'xai' }))
      expect(served[id]).toBe(provider)
    const wrong = text.filter((m) => resolveTextTarget(m.id, []).provider.id !== m.provider).map((m) => `${m.id}: listed ${m.provider}`)
    expect(wrong).toEqual([])
  })
})
