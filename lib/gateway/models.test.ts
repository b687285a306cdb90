// The model list: one entry per id, each where a bare id of that name is routed; the lookup of one
// model (GET /api/v1/models/{id}) agrees with the list and with routing.
import { describe, expect, it } from 'vitest'
import { findModel, listModels } from '@/lib/gateway/models'
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

describe('findModel', () => {
  const models = listModels([])
  const find = (id: string) => findModel(id, [], new Date(), models)
  it('finds every listed model as listed', () => {
    const differ = models.filter((m) => find(m.id) !== m).map((m) => m.id)
    expect(differ).toEqual([])
  })
  it('finds a name routing accepts as the model routing sends it to, under the name asked', () => {
    const listed = models.find((m) => m.id === 'gpt-4o')!
    expect(find('openai/gpt-4o')).toEqual({ ...listed, id: 'openai/gpt-4o' })
    expect(find('GPT-4o')).toEqual({ ...listed, id: 'GPT-4o' })
    expect(find('anthropic/claude-sonnet-4-5')).toMatchObject({ provider: 'anthropic', owned_by: 'anthropic', object: 'model' })
    for (const id of ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini-2.5-flash', 'models/gemini-2.5-flash'])
      expect([id, find(id)?.provider]).toEqual([id, resolveTextTarget(id, []).provider.id])
  })
  it('finds a host\'s model while the host is off (so left out of the list): a call naming it is served, by the simulator', () => {
    const id = 'openrouter/anthropic/claude-sonnet-4.5'
    expect(models.some((m) => m.id === id)).toBe(false)
    expect(find(id)).toMatchObject({ id, object: 'model', provider: 'openrouter', served_by: resolveTextTarget(id, []).provider.enabled ? 'openrouter' : 'simulator' })
  })
  it('finds media models by their listed id, and nothing routing refuses', () => {
    expect(find('gpt-image-1')).toMatchObject({ services: ['image'] })
    for (const id of ['no-such-model', 'openai/no-such-model', 'openrouter/no/such', '', '/', 'gpt-4o/extra'])
      expect([id, find(id)]).toEqual([id, null])
    expect(() => resolveTextTarget('openai/no-such-model', [])).toThrow()
  })
})
