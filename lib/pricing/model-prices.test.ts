// model_prices against the real database: the overlap constraint, RLS, and overrides winning
// over the bundled catalog through the same calculators the gateway calls.
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase, db } from '@/lib/db/prisma'
import { withUser } from '@/lib/db/with-user'
import { createPriceOverride, listPriceOverrides } from '@/lib/pricing/model-prices'
import { calculateOpenAICost } from '@/lib/pricing/text'
import { calculateVideoCost } from '@/lib/pricing/media'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const base = { provider: 'openai', model: 'gpt-4o', unit: 'output_mtok' as const, source: 'contract with OpenAI, 2026' }

describe('model_prices', () => {
  it('refuses two overlapping prices for the same model and unit, in the database itself', async () => {
    await createPriceOverride({ ...base, price: '9', effectiveFrom: '2026-01-01', effectiveTo: '2026-07-01' })
    await expect(createPriceOverride({ ...base, price: '8', effectiveFrom: '2026-06-30', effectiveTo: null })).rejects.toMatchObject({ code: 'price_overlap', status: 409, message: expect.stringMatching(/already in force/) })
    // Raw SQL too: the constraint, not the TypeScript, is what refuses.
    await expect(
      db().$executeRaw`insert into public.model_prices (provider, model, unit, price, effective_from, source)
                       values ('openai', 'gpt-4o', 'output_mtok', 7, '2026-03-01', 'raw')`,
    ).rejects.toThrow(/model_prices_no_overlap/)
    // Adjacent periods ([from, to) ranges) and other units, models or variants are fine.
    await createPriceOverride({ ...base, price: '8', effectiveFrom: '2026-07-01', effectiveTo: null })
    await createPriceOverride({ ...base, unit: 'input_mtok', price: '2', effectiveFrom: '2026-01-01' })
    await createPriceOverride({ ...base, model: 'gpt-4o-mini', price: '0.5', effectiveFrom: '2026-01-01' })
  })

  it('makes overrides win over the catalog only while in force', async () => {
    const overrides = await listPriceOverrides()
    const cost = (at: string) => calculateOpenAICost(1_000_000, 1_000_000, 'gpt-4o', { at: new Date(at), overrides })
    expect(cost('2025-12-31T23:59:59Z').totalCost).toBe('12.5') // catalog: 2.50 + 10
    expect(cost('2026-03-01T00:00:00Z').totalCost).toBe('11') // override 2 + 9
    expect(cost('2026-08-01T00:00:00Z').totalCost).toBe('10') // override 2 + 8
    expect(cost('2026-03-01T00:00:00Z').priceSnapshot?.sources).toMatchObject({
      input_mtok: expect.stringMatching(/^override:/),
      output_mtok: expect.stringMatching(/^override:/),
    })
  })

  it('prices a video model the catalog lacks once an operator adds it', async () => {
    const at = new Date('2026-05-01T00:00:00Z')
    expect(calculateVideoCost({ provider: 'runway', model: 'gen5', seconds: 10, at, overrides: await listPriceOverrides() }).costStatus).toBe('unpriced')
    await createPriceOverride({ provider: 'runway', model: 'gen5', unit: 'second', price: '0.12', effectiveFrom: '2026-04-01', source: 'runway.com pricing page' })
    expect(calculateVideoCost({ provider: 'runway', model: 'gen5', seconds: 10, at, overrides: await listPriceOverrides() }).totalCost).toBe('1.2')
  })

  it('is readable by signed-in users, invisible to anon, and writable by neither', async () => {
    const user = await withClient(process.env.DATABASE_URL!, (c) => insertUser(c))
    const visible = await withUser(user, (tx) => tx.modelPrice.count())
    expect(visible).toBeGreaterThan(0)
    await expect(
      withUser(user, (tx) => tx.modelPrice.create({ data: { ...base, price: '0', effectiveFrom: new Date('2030-01-01') } })),
    ).rejects.toThrow(/permission denied/)
    const anon = await withClient(process.env.DATABASE_URL!, async (c) => {
      await c.query('begin; set local role anon')
      try {
        await c.query('select * from public.model_prices')
        return 'read'
      } catch (error) {
        return (error as { code: string }).code
      } finally {
        await c.query('rollback')
      }
    })
    expect(anon).toBe('42501')
  })

  it('refuses a price with more decimals than money has, or a negative one', async () => {
    await expect(createPriceOverride({ ...base, model: 'x', price: '0.0000000000001', effectiveFrom: '2026-01-01' })).rejects.toThrow(/decimal string/)
    await expect(
      db().$executeRaw`insert into public.model_prices (provider, model, unit, price, effective_from, source) values ('a', 'b', 'image', -1, now(), 's')`,
    ).rejects.toThrow(/check constraint/)
  })
})
