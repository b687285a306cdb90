import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { TEXT_PRICE_PINS, type TextPricePin } from '@/lib/pricing/data/text-price-pins'
import { periodAt } from '@/lib/pricing/periods'
import type { TextCatalog, TextModelEntry } from '@/lib/pricing/text-catalog-types'
import { buildTextCatalog, PROVIDERS, serializeCatalog } from './prices-build'
import { diffCatalogs } from './prices-diff'
import { applyPins, deriveAnthropicCacheWrite1h } from './prices-pins'

const bundled = (): TextCatalog => JSON.parse(readFileSync('lib/pricing/data/text-prices.json', 'utf8'))

describe('prices:update', () => {
  it('has bundled exactly what the installed @pydantic/genai-prices holds (run npm run prices:update after upgrading it)', () => {
    expect(buildTextCatalog()).toEqual(bundled())
    // Written one model per line: the same catalog as the file's bytes.
    expect(serializeCatalog(buildTextCatalog())).toBe(readFileSync('lib/pricing/data/text-prices.json', 'utf8'))
  })

  it('covers every vendor Tollgate serves, each with priced chat models', () => {
    const catalog = bundled()
    expect(catalog.providers.map((p) => p.id)).toEqual([...PROVIDERS])
    expect(PROVIDERS).toEqual(expect.arrayContaining(['openai', 'anthropic', 'google', 'deepseek', 'mistral', 'x-ai', 'groq', 'together', 'fireworks', 'openrouter']))
    for (const provider of catalog.providers) {
      const priced = provider.models.filter((m) => m.periods.some((p) => p.rates.input_mtok !== undefined && p.rates.output_mtok !== undefined))
      expect(priced.length, provider.id).toBeGreaterThanOrEqual(5)
    }
    // Spot checks, one flagship per vendor.
    const ids = (provider: string) => catalog.providers.find((p) => p.id === provider)!.models.map((m) => m.id)
    expect(ids('deepseek')).toContain('deepseek-v4-flash')
    expect(ids('mistral')).toContain('mistral-large-2512')
    expect(ids('x-ai')).toContain('grok-4-0709')
    expect(ids('groq')).toContain('llama-3.3-70b-versatile')
    expect(ids('openrouter')).toContain('anthropic/claude-sonnet-4.5')
  })

  it('holds every pin as a dated period with its source, after which its rates apply', () => {
    const catalog = bundled()
    for (const pin of TEXT_PRICE_PINS) {
      const model = catalog.providers.find((p) => p.id === pin.provider)!.models.find((m) => m.id === pin.model)!
      const period = periodAt(model.periods, new Date(`${pin.effectiveFrom}T00:00:00Z`))!
      expect(period, `${pin.provider}/${pin.model} ${pin.effectiveFrom}`).toEqual({ effectiveFrom: pin.effectiveFrom, rates: pin.rates, source: `${pin.source}, checked ${pin.checked}` })
      // The day before, an earlier rate still applies.
      expect(periodAt(model.periods, new Date(new Date(`${pin.effectiveFrom}T00:00:00Z`).getTime() - 1))).not.toBe(period)
    }
  })

  it('gives every Anthropic model that takes cache writes a 1-hour rate of twice its input rate', () => {
    const anthropic = bundled().providers.find((p) => p.id === 'anthropic')!
    for (const model of anthropic.models)
      for (const { rates } of model.periods)
        if (rates.cache_write_mtok !== undefined) expect(rates.cache_write_1h_mtok, model.id).toBeDefined()
    const sonnet = anthropic.models.find((m) => m.id === 'claude-sonnet-4-5')!
    expect(sonnet.periods[0].rates.cache_write_1h_mtok).toEqual({ base: '6', tiers: [{ start: 200_000, price: '12' }] })
  })

  it('describes added, changed and removed rates for review', () => {
    const model = (rate: string, extra: Record<string, string> = {}) => ({
      id: 'gpt-x',
      match: { equals: 'gpt-x' },
      periods: [{ effectiveFrom: null, rates: { input_mtok: rate, ...extra } }],
    })
    const catalog = (m: ReturnType<typeof model>): TextCatalog => ({ source: 't', providers: [{ id: 'openai', name: 'OpenAI', pricingUrls: [], models: [m] }] })
    expect(diffCatalogs(catalog(model('1', { output_mtok: '4' })), catalog(model('1.5', { cache_read_mtok: '0.1' })))).toEqual([
      '+ openai/gpt-x cache_read_mtok from release: 0.1',
      '~ openai/gpt-x input_mtok from release: 1 -> 1.5',
      '- openai/gpt-x output_mtok from release: 4',
    ])
    expect(diffCatalogs(catalog(model('1')), catalog(model('1')))).toEqual([])
  })
})

describe('price pins', () => {
  const entry = (id: string, match: TextModelEntry['match'], input: string): TextModelEntry => ({
    id,
    match,
    contextWindow: 1000,
    periods: [{ effectiveFrom: null, rates: { input_mtok: input, output_mtok: input } }],
  })
  const catalog = (): TextCatalog => ({
    source: 't',
    providers: [{ id: 'acme', name: 'Acme', pricingUrls: [], models: [entry('big', { or: [{ equals: 'big-latest' }, { equals: 'big-2401' }] }, '2')] }],
  })
  const pin = (p: Partial<TextPricePin>): TextPricePin => ({
    provider: 'acme',
    model: 'big',
    effectiveFrom: '2026-01-01',
    rates: { input_mtok: '1', output_mtok: '1' },
    source: 'https://acme.example/pricing',
    checked: '2026-01-02',
    ...p,
  })

  it('adds a dated period to the entry with the pinned id, oldest first', () => {
    const c = catalog()
    expect(applyPins(c, [pin({ effectiveFrom: '2026-03-01', rates: { input_mtok: '0.5', output_mtok: '0.5' } }), pin({})])).toEqual([])
    expect(c.providers[0].models[0].periods.map((p) => [p.effectiveFrom, p.rates.input_mtok, p.source ?? null])).toEqual([
      [null, '2', null],
      ['2026-01-01', '1', 'https://acme.example/pricing, checked 2026-01-02'],
      ['2026-03-01', '0.5', 'https://acme.example/pricing, checked 2026-01-02'],
    ])
  })

  it('splits an alias off its family, so the family\'s other ids keep their price', () => {
    const c = catalog()
    applyPins(c, [pin({ model: 'big-latest' })])
    const [alias, family] = c.providers[0].models
    expect(alias).toMatchObject({ id: 'big-latest', match: { equals: 'big-latest' }, contextWindow: 1000 })
    expect(alias.periods.map((p) => p.effectiveFrom)).toEqual([null, '2026-01-01'])
    expect(family.periods).toHaveLength(1)
  })

  it('replaces a period of the same date, and says when genai-prices already has the pinned figures', () => {
    const c = catalog()
    c.providers[0].models[0].periods.push({ effectiveFrom: '2026-01-01', rates: { input_mtok: '1', output_mtok: '1' } })
    expect(applyPins(c, [pin({})])).toEqual(['pin acme/big from 2026-01-01 is now in @pydantic/genai-prices: delete it'])
    expect(c.providers[0].models[0].periods).toHaveLength(2)
    expect(c.providers[0].models[0].periods[1].source).toContain('acme.example')
  })

  it('refuses a pin it cannot place or read', () => {
    expect(() => applyPins(catalog(), [pin({ provider: 'nobody' })])).toThrow(/no provider nobody/)
    expect(() => applyPins(catalog(), [pin({ model: 'small' })])).toThrow(/no catalog entry/)
    expect(() => applyPins(catalog(), [pin({ effectiveFrom: '1 Jan 2026' })])).toThrow(/YYYY-MM-DD/)
    expect(() => applyPins(catalog(), [pin({ rates: { input_mtok: '1' } })])).toThrow(/required/)
    expect(() => applyPins(catalog(), [pin({ rates: { input_mtok: '1', output_mtok: 'one' } })])).toThrow(/Not a decimal/)
  })

  it('derives the 1-hour cache-write rate only for Anthropic models that take cache writes', () => {
    const c: TextCatalog = {
      source: 't',
      providers: [
        { id: 'anthropic', name: 'Anthropic', pricingUrls: [], models: [entry('claude-x', { equals: 'claude-x' }, '0.8'), entry('claude-old', { equals: 'claude-old' }, '8')] },
        { id: 'google', name: 'Google', pricingUrls: [], models: [entry('claude-x', { equals: 'claude-x' }, '0.8')] },
      ],
    }
    c.providers[0].models[0].periods[0].rates.cache_write_mtok = '1'
    c.providers[1].models[0].periods[0].rates.cache_write_mtok = '1'
    deriveAnthropicCacheWrite1h(c)
    expect(c.providers[0].models[0].periods[0].rates.cache_write_1h_mtok).toBe('1.6')
    expect(c.providers[0].models[1].periods[0].rates.cache_write_1h_mtok).toBeUndefined()
    expect(c.providers[1].models[0].periods[0].rates.cache_write_1h_mtok).toBeUndefined()
  })
})
