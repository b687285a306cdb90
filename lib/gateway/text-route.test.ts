// Routing a text model: which provider, which upstream id, whose prices. The registry reads the
// environment and the providers file once, at import: each case imports a fresh copy.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PriceOverride } from '@/lib/pricing/types'

async function routing(env: Record<string, string> = {}) {
  vi.resetModules()
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
  const route = await import('@/lib/gateway/text-route')
  const providers = await import('@/lib/providers/text-providers')
  return { ...route, ...providers }
}

afterEach(() => vi.unstubAllEnvs())

const override = (over: Partial<PriceOverride>): PriceOverride => ({
  id: 'o1',
  provider: 'openai',
  model: 'x',
  unit: 'input_mtok',
  variant: '',
  price: '1',
  effectiveFrom: new Date('2020-01-01'),
  effectiveTo: null,
  ...over,
})

describe('resolveTextTarget', () => {
  it('reads a model however its vendor lets clients spell it', async () => {
    const { resolveTextTarget } = await routing()
    for (const name of ['gpt-4o', 'GPT-4o', 'openai/gpt-4o', 'OpenAI/GPT-4o']) {
      const t = resolveTextTarget(name, [])
      expect([t.provider.id, t.upstreamModel, t.entry?.model.id, t.pricingProvider]).toEqual(['openai', 'gpt-4o', 'gpt-4o', 'openai'])
    }
    for (const name of ['gemini-2.5-flash', 'models/gemini-2.5-flash', 'google/gemini-2.5-flash', 'gemini/models/gemini-2.5-flash']) {
      const t = resolveTextTarget(name, [])
      expect([t.provider.id, t.upstreamModel, t.entry?.model.id, t.pricingProvider]).toEqual(['gemini', 'gemini-2.5-flash', 'gemini-2.5-flash', 'google'])
    }
    // Aliases are sent as written (the vendor resolves them) and priced as what they point at.
    const latest = resolveTextTarget('gemini-flash-latest', [])
    expect([latest.provider.id, latest.upstreamModel, latest.entry?.model.id]).toEqual(['gemini', 'gemini-flash-latest', 'gemini-2.5-flash'])
    const dated = resolveTextTarget('claude-sonnet-4-5-20250929', [])
    expect([dated.provider.id, dated.upstreamModel, dated.entry?.model.id]).toEqual(['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'])
    const claude = resolveTextTarget('Claude-3-5-Haiku-Latest', [])
    expect([claude.provider.id, claude.upstreamModel, claude.entry?.model.id.startsWith('claude-3-5-haiku')]).toEqual(['anthropic', 'claude-3-5-haiku-latest', true])
  })

  it('refuses a model nobody serves, and a hosted provider\'s unpriced model unless an override prices it', async () => {
    const { resolveTextTarget } = await routing()
    expect(() => resolveTextTarget('gpt-9-ultra', [])).toThrow(expect.objectContaining({ code: 'model_not_found', param: 'model' }))
    expect(() => resolveTextTarget('anthropic/claude-imaginary', [])).toThrow(/not in the price catalog/)
    const priced = resolveTextTarget('anthropic/claude-imaginary', [override({ provider: 'anthropic', model: 'claude-imaginary' })])
    expect([priced.provider.id, priced.upstreamModel, priced.entry, priced.pricingProvider]).toEqual(['anthropic', 'claude-imaginary', null, 'anthropic'])
    // A bare id an override prices goes to the override's provider.
    const bare = resolveTextTarget('my-finetune', [override({ provider: 'openai', model: 'my-finetune' })])
    expect([bare.provider.id, bare.upstreamModel]).toEqual(['openai', 'my-finetune'])
  })

  it('serves a provider without a key with the simulator, priced as the real model', async () => {
    const off = await routing()
    const t = off.resolveTextTarget('claude-sonnet-4-5', [])
    expect(off.textServing(t.provider).servedBy).toBe('simulator')
    const on = await routing({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })
    const served = on.textServing(on.resolveTextTarget('gpt-4o', []).provider)
    expect([served.servedBy, served.adapter.id, served.config.baseUrl, served.config.apiKey]).toEqual(['openai', 'openai', 'http://127.0.0.1:9/v1', 'sk-test'])
  })

  it('routes any model of a local server once its address is set, priced $0', async () => {
    const off = await routing()
    expect(() => off.resolveTextTarget('ollama/llama3.2:3b', [])).not.toThrow()
    expect(off.textServing(off.providerNamed('ollama')!).servedBy).toBe('simulator')
    const { resolveTextTarget, textServing } = await routing({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1/' })
    const t = resolveTextTarget('ollama/llama3.2:3b', [])
    expect([t.provider.id, t.upstreamModel, t.local, t.entry]).toEqual(['ollama', 'llama3.2:3b', true, null])
    expect(textServing(t.provider)).toMatchObject({ servedBy: 'ollama', config: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: '' } })
  })
})

describe('the providers file', () => {
  const file = (content: unknown) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'providers-'))
    const at = path.join(dir, 'providers.json')
    writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content))
    return at
  }

  it('adds OpenAI-compatible providers with their models, keys from the environment, and fallbacks', async () => {
    const at = file({
      providers: [
        { id: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1', local: true, models: ['qwen2.5-7b'] },
        { id: 'acme', name: 'Acme AI', baseUrl: 'https://llm.acme.test/v1', apiKeyEnv: 'ACME_KEY', models: [{ id: 'acme-gpt', pricedAs: 'openai/gpt-4o-mini' }] },
      ],
      fallbacks: { 'GPT-4o': ['openrouter/openai/gpt-4o', 'anthropic/claude-sonnet-4-5'] },
    })
    const { resolveTextTarget, textServing, configuredFallbacks, providerNamed } = await routing({ TOLLGATE_PROVIDERS_FILE: at, ACME_KEY: 'sk-acme' })
    const local = resolveTextTarget('qwen2.5-7b', [])
    expect([local.provider.id, local.upstreamModel, local.local]).toEqual(['lmstudio', 'qwen2.5-7b', true])
    const acme = resolveTextTarget('acme/acme-gpt', [])
    expect([acme.provider.id, acme.upstreamModel, acme.entry?.model.id, acme.pricingProvider, acme.local]).toEqual(['acme', 'acme-gpt', 'gpt-4o-mini', 'openai', false])
    expect(textServing(providerNamed('acme')!)).toMatchObject({ servedBy: 'acme', config: { apiKey: 'sk-acme', baseUrl: 'https://llm.acme.test/v1' } })
    expect(configuredFallbacks['gpt-4o']).toEqual(['openrouter/openai/gpt-4o', 'anthropic/claude-sonnet-4-5'])
    // A hosted provider whose key variable is unset is off, like a built-in without its key.
    const unset = await routing({ TOLLGATE_PROVIDERS_FILE: at, ACME_KEY: '' })
    expect(unset.textServing(unset.providerNamed('acme')!).servedBy).toBe('simulator')
  })

  it('stops the boot on a file it cannot use, naming the problem', async () => {
    await expect(routing({ TOLLGATE_PROVIDERS_FILE: file('{not json') })).rejects.toThrow(/not valid JSON/)
    await expect(routing({ TOLLGATE_PROVIDERS_FILE: file({ providers: [{ id: 'openai', baseUrl: 'https://x.test/v1' }] }) })).rejects.toThrow(/"openai" is already taken/)
    await expect(routing({ TOLLGATE_PROVIDERS_FILE: file({ providers: [{ id: 'x', baseUrl: 'https://x.test/v1', apiKey: 'sk-inline' }] }) })).rejects.toThrow(/apiKey/)
    await expect(routing({ TOLLGATE_PROVIDERS_FILE: file({ providers: [{ id: 'Bad Id', baseUrl: 'https://x.test/v1' }] }) })).rejects.toThrow(/providers\.0\.id/)
  })
})
