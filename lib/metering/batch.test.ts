// Batched settlement against the real database: a group written by record_usage in one
// transaction leaves exactly what the same rows written one at a time leave (ledger, rollups,
// counters, holds, rate tokens, alerts, console); groups overlapping in users never deadlock;
// a bad row does not cost its group; and the writer really groups (fewer round trips than rows).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeDatabase, pool as appPool } from '@/lib/db/prisma'
import { trackAPIUsage } from '@/lib/metering/record'
import { withClient } from '@/test/databases'
import { newUserIn } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool
beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 16 })
})
afterAll(async () => {
  await pool.end()
  await closeDatabase()
})

const newUser = (sql = '') => newUserIn(url(), sql)

const PLAN = `update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 40, image_generations_limit = 1000,
  monthly_cost_budget = 1, enforcement_mode = 'hard' where user_id = $1`

type Spec = { service: 'chat' | 'image' | 'embedding'; status: string; cost: string | null; tokens: number; images: number; model: string; latency: number; code: string | null; ip: string | null }

/** The same mixed calls for any user: services with and without quota columns, failures, unpriced. */
function specs(n: number): Spec[] {
  return Array.from({ length: n }, (_, i) => {
    const service = (['chat', 'chat', 'image', 'embedding'] as const)[i % 4]
    const status = ['success', 'success', 'success', 'error', 'client_aborted'][i % 5]
    return {
      service, status, cost: i % 11 === 0 ? null : `0.0${(i % 9) + 1}0000000${i % 7}`, tokens: 10 + i, images: service === 'image' ? 1 + (i % 3) : 0,
      model: ['gpt-4o', 'gpt-4o-mini', 'gpt-image-1'][i % 3], latency: 3 + ((i * 53) % 4000), code: status === 'error' ? 'upstream_error' : null, ip: i % 2 ? '203.0.113.7' : null,
    }
  })
}

/** Admits a call the way the gateway does (hold, tokens booked in the rate window) and returns its row. */
async function admitted(userId: string, s: Spec) {
  const requestId = `req_${randomUUID().replaceAll('-', '')}`
  const { rows } = await pool.query('select public.gateway_admit($1::uuid, $2, $3::int, $4::numeric, $5, 300, null, 7, null, $6::bigint) as r', [userId, s.service, s.service === 'image' ? s.images || 1 : 1, '0.0001', requestId, s.tokens * 3])
  expect(rows[0].r.admitted).toBe(true)
  return {
    user_id: userId, service_type: s.service, provider: 'openai', model: s.model, endpoint: '/test', request_id: requestId,
    input_tokens: s.tokens, output_tokens: 2 * s.tokens, images_generated: s.images, total_cost: s.cost, input_cost: s.cost,
    output_cost: s.cost === null ? null : '0', generation_cost: s.cost === null ? null : '0', cost_status: s.cost === null ? 'unpriced' : 'priced',
    status: s.status, error_code: s.code, latency_ms: s.latency, metadata: s.code ? { error_message: 'boom' } : {}, ip_address: s.ip,
    request_payload: s.ip ? { messages: [{ role: 'user', content: 'hi' }] } : null, created_at: new Date().toISOString(),
  }
}

/** Everything settlement leaves for one user, in a form two users can be compared by. */
async function footprint(userId: string) {
  return withClient(url(), async (c) => {
    const q = async (sql: string) => (await c.query(sql, [userId])).rows
    return {
      ledger: await q(`select service_type, model, status, input_tokens, output_tokens, images_generated, total_cost::text, cost_status from public.api_usage where user_id = $1 order by service_type, model, status, input_tokens`),
      details: await q(`select count(*)::int as n from public.api_usage_details where user_id = $1`),
      rollups: await q(`select period_type, service_type, provider, model, request_count, success_count, error_count, input_tokens, output_tokens,
                 images_generated, total_cost::text, unpriced_count, total_latency_ms from public.usage_aggregations where user_id = $1
                 order by period_type, service_type, provider, model`),
      counters: await q(`select chat_messages_used, image_generations_used, service_used, period_cost::text, last_call_at is not null as called
                 from public.user_subscriptions where user_id = $1`),
      holds: await q(`select count(*)::int as n from public.usage_holds where user_id = $1`),
      rate: await q(`select service_type, (select sum(t) from unnest(window_tokens) t)::bigint as tokens, (select sum(n) from unnest(window_counts) n)::bigint as requests
                 from public.api_rate_limits where user_id = $1 order by service_type`),
      alerts: await q(`select alert_type, service_type, threshold_percent from public.usage_alerts where user_id = $1 order by 1, 2, 3`),
      console: await q(`select calls, errors, cost::text, unpriced, estimated from public.console_user_days where user_id = $1`),
    }
  })
}

describe('record_usage with a group of rows', () => {
  it('leaves exactly what the same rows written one at a time leave', async () => {
    const [one, grouped] = [await newUser(PLAN), await newUser(PLAN)]
    const calls = specs(36)
    const singleRows = []
    const groupRows = []
    for (const s of calls) singleRows.push(await admitted(one, s))
    for (const s of calls) groupRows.push(await admitted(grouped, s))
    for (const row of singleRows) await pool.query('select public.record_usage($1::jsonb)', [JSON.stringify(row)])
    // Three groups of twelve, out of order, one of them sent twice (a retried group).
    const groups = [groupRows.slice(24), groupRows.slice(0, 12), groupRows.slice(12, 24)]
    for (const g of groups) await pool.query('select public.record_usage($1::jsonb)', [JSON.stringify(g)])
    await pool.query('select public.record_usage($1::jsonb)', [JSON.stringify(groups[1])])

    const [a, b] = [await footprint(one), await footprint(grouped)]
    expect(b).toEqual(a)
    expect(a.ledger).toHaveLength(36)
    expect(a.holds).toEqual([{ n: 0 }])
    // Calls crossed 50 % and 80 % of the chat quota and the whole budget: each alert once.
    expect(a.alerts.length).toBeGreaterThanOrEqual(3)
  })

  it('answers whether anything was new, and skips request ids already written or repeated in the group', async () => {
    const user = await newUser(PLAN)
    const rows = [await admitted(user, specs(1)[0]), await admitted(user, specs(2)[1])]
    const send = async (group: unknown[]) => (await pool.query('select public.record_usage($1::jsonb) as new', [JSON.stringify(group)])).rows[0].new
    expect(await send([rows[0], rows[0]])).toBe(true)
    expect(await send([rows[0], rows[1], rows[1]])).toBe(true)
    expect(await send(rows)).toBe(false)
    const counts = await withClient(url(), async (c) => (await c.query('select count(*)::int as n, sum(n)::int as requests from public.api_usage a, lateral (select 1 as n) x where user_id = $1', [user])).rows[0])
    expect(counts.n).toBe(2)
    expect((await footprint(user)).counters[0].chat_messages_used).toBe(2)
  })

  it('never deadlocks when parallel groups share users in different orders, and books every row once', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => newUser(PLAN.replace('chat_messages_limit = 40', 'chat_messages_limit = 100000').replace('monthly_cost_budget = 1', 'monthly_cost_budget = null'))))
    const chat = specs(1)[0]
    const groups = await Promise.all(
      Array.from({ length: 24 }, async (_, g) => {
        const order = [...users].sort(() => (g % 2 ? 1 : -1)).slice(g % 3)
        return Promise.all(order.flatMap((u) => [admitted(u, chat), admitted(u, chat)]))
      }),
    )
    await Promise.all(groups.map((g) => pool.query('select public.record_usage($1::jsonb)', [JSON.stringify(g)])))
    const expected = new Map(users.map((u) => [u, groups.flat().filter((r) => r.user_id === u).length]))
    for (const u of users) {
      const f = await footprint(u)
      expect(f.ledger).toHaveLength(expected.get(u)!)
      expect(f.counters[0].chat_messages_used).toBe(expected.get(u))
      expect(f.holds).toEqual([{ n: 0 }])
    }
  })
})

describe('the batching writer', () => {
  it('writes many parallel calls in far fewer round trips than rows, every row once', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => newUser(PLAN.replace('chat_messages_limit = 40', 'chat_messages_limit = 100000'))))
    const rows = await Promise.all(Array.from({ length: 200 }, (_, i) => admitted(users[i % 4], specs(1)[0])))
    const query = vi.spyOn(appPool(), 'query')
    try {
      await Promise.all(rows.map((row) => trackAPIUsage(row as never)))
      const writes = query.mock.calls.filter(([sql]) => String(sql).includes('record_usage'))
      expect(writes.length).toBeLessThanOrEqual(20)
      expect(writes.reduce((n, [, params]) => n + JSON.parse((params as string[])[0]).length, 0)).toBe(200)
    } finally {
      query.mockRestore()
    }
    for (const u of users) expect((await footprint(u)).ledger).toHaveLength(50)
  })

  it('writes the rest of a group when one row is refused for its data, that one without its personal data', async () => {
    const user = await newUser(PLAN)
    const good = await Promise.all([0, 1, 2].map(() => admitted(user, { ...specs(1)[0], ip: '198.51.100.1' })))
    const bad = { ...(await admitted(user, specs(1)[0])), ip_address: 'not an address' }
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      await Promise.all([...good, bad].map((row) => trackAPIUsage(row as never)))
    } finally {
      errors.mockRestore()
    }
    const rows = await withClient(url(), async (c) => (await c.query(`select a.request_id, a.metadata, d.ip_address::text as ip from public.api_usage a
      left join public.api_usage_details d using (request_id) where a.user_id = $1`, [user])).rows)
    expect(rows).toHaveLength(4)
    expect(rows.filter((r) => r.ip === '198.51.100.1/32' || r.ip === '198.51.100.1')).toHaveLength(3)
    expect(rows.find((r) => r.request_id === bad.request_id)).toMatchObject({ ip: null, metadata: { stored_without_details: true } })
  })
})
