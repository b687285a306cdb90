// Models and prices against the real database: the effective price (catalog, or the override in
// force, with its source and dates), overrides created and ended with their audit rows, overlaps
// refused in words, and the gateway's price cache seeing a console write at once.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { Actor } from '@/lib/admin/actor'
import { listAudit } from '@/lib/admin/audit'
import { effectivePrice, getModelsReport, listServedModels } from '@/lib/admin/models'
import { rangeFor } from '@/lib/admin/reports/range'
import { createOverride, endOverride, listOverrides } from '@/lib/admin/price-overrides'
import { closeDatabase } from '@/lib/db/prisma'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import { calculateOpenAICost } from '@/lib/pricing/text'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const operator: Actor = { kind: 'operator', userId: randomUUID(), email: 'prices@example.test' }
const DAY = 86_400_000

afterAll(() => closeDatabase())

async function auditOf(action: string, id: string) {
  const entries = await listAudit({ limit: 200 })
  return entries.find((e) => e.action === action && (e.after as { id?: string } | null)?.id === id)
}

describe('models and prices', () => {
  it('shows the catalog price, then the override in force with its source and dates, then the catalog again once ended', async () => {
    const before = await listServedModels()
    expect(effectivePrice(before, 'gpt-4o', 'output_mtok')).toMatchObject({ price: '10', origin: 'catalog' })

    const from = new Date(Date.now() - DAY)
    const created = await createOverride(operator, { provider: 'openai', model: 'gpt-4o', unit: 'output_mtok', price: '9.5', effectiveFrom: from.toISOString(), source: 'contract 2026' })
    expect(created).toMatchObject({ price: '9.5', state: 'active', effective_to: null })
    const audit = await auditOf('price_override.create', created.id)
    expect(audit).toMatchObject({ actor: 'operator:prices@example.test', before: null, after: { model: 'gpt-4o', price: '9.5' } })

    const sources = new Map((await listOverrides()).map((o) => [o.id, o.source]))
    const during = await listServedModels(sources)
    expect(effectivePrice(during, 'gpt-4o', 'output_mtok')).toMatchObject({ price: '9.5', origin: 'override', source: 'contract 2026', from: from.toISOString(), to: null, overrideId: created.id })
    expect(effectivePrice(during, 'gpt-4o', 'input_mtok')).toMatchObject({ price: '2.5', origin: 'catalog' })

    const ended = await endOverride(operator, { id: created.id })
    expect(ended.state).toBe('ended')
    const endAudit = (await listAudit({ limit: 50 })).find((e) => e.action === 'price_override.end' && (e.before as { id: string }).id === created.id)
    expect(endAudit).toMatchObject({ before: { effective_to: null, state: 'active' }, after: { state: 'ended' } })
    expect(effectivePrice(await listServedModels(), 'gpt-4o', 'output_mtok')).toMatchObject({ price: '10', origin: 'catalog' })

    await expect(endOverride(operator, { id: created.id })).rejects.toMatchObject({ code: 'conflict', status: 409, message: expect.stringMatching(/already ended/) })
  })

  it('refuses an overlapping override in words, naming the one in the way and its dates (409, never a 500)', async () => {
    const first = await createOverride(operator, { provider: 'openai', model: 'gpt-4o-mini', unit: 'input_mtok', price: '0.1', effectiveFrom: '2027-12-01', effectiveTo: '2028-01-01', source: 'promo' })
    expect(first.state).toBe('scheduled')
    const attempt = createOverride(operator, { provider: 'openai', model: 'gpt-4o-mini', unit: 'input_mtok', price: '0.2', effectiveFrom: '2027-12-15', source: 'x' })
    await expect(attempt).rejects.toMatchObject({
      code: 'price_overlap',
      status: 409,
      param: 'effectiveFrom',
      message: 'An override for openai/gpt-4o-mini input_mtok already covers 2027-12-01 … 2028-01-01 (0.1 USD, scheduled); end it first or choose dates outside it.',
    })
    // Adjacent is fine ([from, to) periods); nothing was audited for the refused one.
    await createOverride(operator, { provider: 'openai', model: 'gpt-4o-mini', unit: 'input_mtok', price: '0.2', effectiveFrom: '2028-01-01', source: 'x' })
    expect((await listAudit({ limit: 200 })).filter((e) => e.action === 'price_override.create' && (e.after as { price: string }).price === '0.2')).toHaveLength(1)
  })

  it('refuses bad input and impossible ends with the field at fault', async () => {
    await expect(createOverride(operator, { provider: 'openai', model: 'm', unit: 'output_mtok', price: '1', effectiveFrom: '2030-02-01', effectiveTo: '2030-01-01', source: 's' })).rejects.toMatchObject({ code: 'invalid_request', param: 'effectiveTo' })
    await expect(createOverride(operator, { provider: 'openai', model: 'm', unit: 'tokens', price: '1', effectiveFrom: '2030-01-01', source: 's' })).rejects.toMatchObject({ code: 'invalid_request', param: 'unit' })
    await expect(createOverride(operator, { provider: 'openai', model: 'm', unit: 'output_mtok', price: '-1', effectiveFrom: '2030-01-01', source: 's' })).rejects.toMatchObject({ param: 'price' })
    const scheduled = await createOverride(operator, { provider: 'openai', model: 'm', unit: 'output_mtok', price: '1', effectiveFrom: '2030-01-01', source: 's' })
    await expect(endOverride(operator, { id: scheduled.id })).rejects.toMatchObject({ code: 'invalid_request', param: 'at', message: expect.stringMatching(/starts on 2030-01-01: choose an end after that/) })
    await expect(endOverride(operator, { id: scheduled.id, at: '2020-01-01' })).rejects.toMatchObject({ param: 'at', message: expect.stringMatching(/past/) })
    await expect(endOverride(operator, { id: randomUUID() })).rejects.toMatchObject({ code: 'not_found' })
    const done = await endOverride(operator, { id: scheduled.id, at: '2030-06-01' })
    expect(done).toMatchObject({ effective_to: '2030-06-01T00:00:00Z', state: 'scheduled' })
  })

  it('reaches the gateway price cache of this process at once, however many copies of the module Next bundles', async () => {
    const cost = async () => calculateOpenAICost(1_000_000, 0, 'o3-mini', { overrides: await listPriceOverrides() }).totalCost
    const catalog = await cost() // warms the 30 s cache
    const o = await createOverride(operator, { provider: 'openai', model: 'o3-mini', unit: 'input_mtok', price: '0.77', effectiveFrom: new Date(Date.now() - 1000).toISOString(), source: 'console' })
    expect(catalog).not.toBe('0.77')
    expect(await cost()).toBe('0.77')
    // The cache lives on globalThis, where a second bundled copy of the module looks too.
    expect((globalThis as { __tollgatePriceOverrides?: unknown }).__tollgatePriceOverrides).toBeDefined()
    await endOverride(operator, { id: o.id })
    expect(await cost()).toBe(catalog)
  })
})

describe('the Models page report', () => {
  it('joins calls and cost from the rollups to served models, and lists unpriced calls, flagging models not served', async () => {
    await withClient(process.env.DATABASE_URL!, async (c) => {
      const user = await insertUser(c)
      const call = (model: string, cost: string | null) =>
        c.query('select public.record_usage($1::jsonb)', [
          JSON.stringify({ user_id: user, service_type: 'chat', provider: 'simulator', model, endpoint: '/t', request_id: `req_${randomUUID()}`, input_tokens: 1, output_tokens: 1, total_cost: cost, input_cost: cost, output_cost: cost === null ? null : '0', generation_cost: cost === null ? null : '0', cost_status: cost === null ? 'unpriced' : 'priced', status: 'success' }),
        ])
      await call('gpt-4.1', '0.25')
      await call('gpt-4.1', '0.5')
      await call('mystery-model-x', null)
    })
    const report = await getModelsReport(rangeFor('month'), { q: 'gpt-4.1' })
    expect(report.models[0]).toMatchObject({ id: 'gpt-4.1', calls: 2, cost: '0.75' })
    expect(report.models.every((m) => m.id.includes('gpt-4.1'))).toBe(true)
    const all = await getModelsReport(rangeFor('month'))
    expect(all.unpriced).toEqual([expect.objectContaining({ model: 'mystery-model-x', provider: 'simulator', calls: 1, unpriced: 1, unknown: true })])
    expect(all.usage.map((u) => u.model).sort()).toEqual(['gpt-4.1', 'mystery-model-x'])
  })
})
