import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { TextCatalog } from '@/lib/pricing/text-catalog-types'
import { buildTextCatalog } from './prices-build'
import { diffCatalogs } from './prices-diff'

describe('prices:update', () => {
  it('has bundled exactly what the installed @pydantic/genai-prices holds (run npm run prices:update after upgrading it)', () => {
    const bundled = JSON.parse(readFileSync('lib/pricing/data/text-prices.json', 'utf8'))
    expect(buildTextCatalog()).toEqual(bundled)
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
