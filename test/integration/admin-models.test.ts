// A price override written from the console reaches the gateway of the same server at once: the
// console's server action and the gateway's route handlers may be bundled apart, each with its
// own copy of lib/pricing/model-prices.ts, so this checks the override cache is one per process
// (on globalThis) and that the write invalidates it. Overlaps come back as the form's field error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { withClient } from '@/test/databases'
import { startNextServer, type NextServer } from '@/test/next-server'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

const db = () => process.env.DATABASE_URL!
let server: NextServer
let operator: GatewayUser

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'gateway-test-secret-at-least-32-characters' })
  operator = await createGatewayUser(server.url)
  await withClient(db(), (c) => c.query(`insert into public.operators (user_id, granted_by) values ($1, 'tests')`, [operator.id]))
})
afterAll(() => server?.stop())

async function listedOutputRate(): Promise<unknown> {
  const answer = await fetch(`${server.url}/api/v1/models/gpt-4o`, { headers: { authorization: `Bearer ${operator.key}` } })
  return ((await answer.json()) as { pricing: { rates: Record<string, unknown> } }).pricing.rates.output_mtok
}

describe('price overrides from the console', () => {
  it('are charged by the gateway at once, refused in words when they overlap, and stop when ended', async () => {
    expect(await listedOutputRate()).toBe('10') // the catalog's, and the override cache is now warm
    const create = serverActionId('app/(admin)/admin/models/actions.ts', 'createOverrideAction')
    const from = new Date(Date.now() - 60_000).toISOString().slice(0, 16) // a datetime-local field, read as UTC
    const fields = { provider: 'openai', model: 'gpt-4o', unit: 'output_mtok', price: '7.5', effectiveFrom: from, source: 'negotiated rate' }
    const created = await callServerAction(server.url, '/admin/models', create, [null, form(fields)], { cookie: operator.cookie })
    expect(actionOutcome(await created.text())).toMatchObject({ value: { ok: true } })
    expect(await listedOutputRate()).toBe('7.5')

    await operator.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
    const [row] = await usageRows(db(), operator.id)
    expect(row.price_snapshot).toMatchObject({ rates: { output_mtok: '7.5' }, sources: { output_mtok: expect.stringMatching(/^override:/) } })

    const overlap = await callServerAction(server.url, '/admin/models', create, [null, form({ ...fields, price: '7', effectiveFrom: '2030-01-01T00:00' })], { cookie: operator.cookie })
    expect(actionOutcome(await overlap.text())).toMatchObject({
      value: { ok: false, error: expect.stringMatching(/^An override for openai\/gpt-4o output_mtok already covers .* … open-ended \(7\.5 USD, active\); end it first/), fieldErrors: { effectiveFrom: expect.stringMatching(/already covers/) } },
    })

    const id = await withClient(db(), async (c) => (await c.query<{ id: string }>(`select id from public.model_prices where model = 'gpt-4o' and price = 7.5`)).rows[0].id)
    const end = serverActionId('app/(admin)/admin/models/actions.ts', 'endOverrideAction')
    const ended = await callServerAction(server.url, '/admin/models', end, [null, form({ id })], { cookie: operator.cookie })
    expect(actionOutcome(await ended.text())).toMatchObject({ value: { ok: true } })
    expect(await listedOutputRate()).toBe('10')
    const actions = await withClient(db(), async (c) => (await c.query(`select action from public.operator_audit where action like 'price_override.%' order by id`)).rows)
    expect(actions).toEqual([{ action: 'price_override.create' }, { action: 'price_override.end' }])
  })
})
