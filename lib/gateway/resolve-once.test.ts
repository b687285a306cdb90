// One chat call, opened and admitted as the route does it, against the real database: the model
// is looked up in the catalog once (routing), and the campaign check costs no round trip of its
// own (it is inside gateway_admit).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

// The database's admission, call by call: no quota leases here (lib/gateway/lease.test.ts has them).
const catalogLookups = vi.hoisted(() => {
  process.env.QUOTA_LEASE_MS = '0'
  return { count: 0 }
})
vi.mock('@/lib/pricing/text-catalog', async (importOriginal) => {
  const original = await importOriginal<typeof import('@/lib/pricing/text-catalog')>()
  return {
    ...original,
    findTextModel: (...args: Parameters<typeof original.findTextModel>) => {
      catalogLookups.count += 1
      return original.findTextModel(...args)
    },
  }
})

const { ChatRequestSchema } = await import('@/lib/gateway/chat')
const { priceTokens } = await import('@/lib/gateway/chat-usage')
const { admitChat } = await import('@/lib/gateway/output-cap')
const { GatewayCall } = await import('@/lib/gateway/pipeline')
const { textRoute } = await import('@/lib/gateway/routing')
const { listPriceOverrides } = await import('@/lib/pricing/model-prices')
const { closeDatabase } = await import('@/lib/db/prisma')
const { parseUsd } = await import('@/lib/pricing/money')
const { countPromptTokens } = await import('@/lib/pricing/estimate')

// Every statement any pool or client of this process sends (Prisma's adapter included).
let statements: string[] = []
const query = pg.Client.prototype.query
beforeAll(() => {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text
    statements.push(String(text))
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
})
afterAll(async () => {
  pg.Client.prototype.query = query
  await closeDatabase()
})

let userId: string
let campaign: string
let archived: string
beforeAll(async () => {
  ;[userId, campaign, archived] = await withClient(process.env.DATABASE_URL!, async (c) => {
    const id = await insertUser(c)
    const mine = (await c.query(`insert into public.campaigns (user_id, name) values ($1, 'launch') returning id::text`, [id])).rows[0].id
    const old = (await c.query(`insert into public.campaigns (user_id, name, status) values ($1, 'old', 'archived') returning id::text`, [id])).rows[0].id
    return [id, mine, old]
  })
  await listPriceOverrides() // the 30 s cache of overrides is warm in a running server
})
beforeEach(() => {
  statements = []
  catalogLookups.count = 0
})

function chatCall(body: object): InstanceType<typeof GatewayCall> {
  const request = new Request('http://tollgate.test/api/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return new GatewayCall(request, { userId, apiKeyId: null, via: 'session' }, 'chat', '/api/v1/chat/completions')
}

async function openAndAdmit(call: InstanceType<typeof GatewayCall>) {
  const { input, route, overrides } = await call.open(ChatRequestSchema, 'unknown')
  const { campaign: _campaign, ...upstream } = input
  void _campaign
  const text = textRoute(route)
  await admitChat(call, upstream as never, text, overrides)
  return { route: text, overrides }
}

describe('one chat call', () => {
  it('looks its model up in the catalog once: routing, the estimate, the output cap and the price share the entry', async () => {
    const call = chatCall({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
    const { route, overrides } = await openAndAdmit(call)
    // With no max_tokens the output cap came from the entry's context window.
    expect(call.responseHeaders['x-tollgate-max-completion-tokens']).toBe('16384')
    const cost = priceTokens(route, { inputTokens: 8, outputTokens: 20, cachedTokens: 0, reasoningTokens: 0 }, overrides)
    expect(cost).toMatchObject({ cost_status: 'priced', total_cost: '0.00022' }) // 8 × $2.50/M + 20 × $10/M
    expect(catalogLookups.count).toBe(1)
  })

  it('admits a call tagged with its campaign in one database round trip', async () => {
    const call = chatCall({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], max_tokens: 50, campaign })
    await openAndAdmit(call)
    expect(call.admitted).toBe(true)
    expect(call.campaignId).toBe(campaign)
    expect(statements).toHaveLength(1)
    expect(statements[0]).toContain('gateway_admit')
  })

  it.each([
    ['someone else\'s or missing', () => randomUUID(), (id: string) => `Unknown campaign ${id}`],
    ['archived', () => archived, (id: string) => `Campaign ${id} is archived`],
  ])('refuses a campaign that is %s within that round trip, with 400 on param campaign, taking no hold', async (_what, id, message) => {
    const tagged = id()
    const call = chatCall({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], max_tokens: 50, campaign: tagged })
    await expect(openAndAdmit(call)).rejects.toMatchObject({ code: 'invalid_request', status: 400, param: 'campaign', message: message(tagged) })
    expect(statements).toHaveLength(1)
    expect(call.admitted).toBe(false)
    expect(call.campaignId).toBeNull()
    const holds = await withClient(process.env.DATABASE_URL!, async (c) => (await c.query('select count(*)::int as n from public.usage_holds where request_id = $1', [call.requestId])).rows[0].n)
    expect(holds).toBe(0)
  })

  it('holds a prompt that may be written to Anthropic\'s cache at twice input, the dearest write (1 hour)', async () => {
    const held = async (part: object) => {
      const call = chatCall({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'a long shared preamble '.repeat(50), ...part }] }], max_tokens: 50 })
      await openAndAdmit(call)
      return withClient(process.env.DATABASE_URL!, async (c) => (await c.query('select estimated_cost::text as cost from public.usage_holds where request_id = $1', [call.requestId])).rows[0].cost as string)
    }
    const plain = parseUsd(await held({}))
    const cached = parseUsd(await held({ cache_control: { type: 'ephemeral', ttl: '1h' } }))
    const prompt = countPromptTokens([{ role: 'user', content: [{ type: 'text', text: 'a long shared preamble '.repeat(50) }] }])
    // Twice the prompt at $3/M, against once: the difference is one more prompt at $3/M (3e-6 $ = 3,000,000 pico-dollars a token).
    expect(cached - plain).toBe(BigInt(prompt) * 3_000_000n)
  })
})
