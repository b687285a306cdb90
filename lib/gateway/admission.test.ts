// gateway_admit and its settlement (record_usage) against the real database, with truly
// parallel connections: rollover once, holds that expire, alerts once, enforcement modes.
import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool

beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 40 })
})
afterAll(() => pool.end())

type Admission = { admitted: boolean; code: string | null; warnings: string[]; exceeded: { limit: string } | null; rate: { limit: number; remaining: number } | null }

async function admit(userId: string, service = 'chat', options: { units?: number; estimate?: string; holdSeconds?: number; requestId?: string; apiKey?: string } = {}): Promise<Admission & { requestId: string }> {
  const requestId = options.requestId ?? `req_${randomUUID()}`
  const { rows } = await pool.query<{ r: Admission }>('select public.gateway_admit($1, $2, $3, $4, $5, $6, $7) as r', [
    userId,
    service,
    options.units ?? 1,
    options.estimate ?? '0',
    requestId,
    options.holdSeconds ?? 300,
    options.apiKey ?? null,
  ])
  return { ...rows[0].r, requestId }
}

async function settle(userId: string, requestId: string, service = 'chat', totalCost = '0.001') {
  await pool.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({ user_id: userId, service_type: service, provider: 'simulator', model: 'gpt-4o', endpoint: '/test', request_id: requestId, total_cost: totalCost, input_cost: totalCost, output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
  ])
}

async function newUser(sql = ''): Promise<string> {
  return withClient(url(), async (c) => {
    const id = await insertUser(c)
    if (sql) await c.query(sql, [id])
    return id
  })
}

const subscription = (userId: string) =>
  withClient(url(), async (c) => (await c.query('select *, period_cost::text as period_cost from public.user_subscriptions where user_id = $1', [userId])).rows[0])

describe('gateway_admit', () => {
  it('admits exactly the limit under 60 parallel calls (hard), counting calls in flight', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 25, enforcement_mode = 'hard' where user_id = $1`)
    const results = await Promise.all(Array.from({ length: 60 }, () => admit(user)))
    expect(results.filter((r) => r.admitted)).toHaveLength(25)
    expect(results.filter((r) => !r.admitted).every((r) => r.code === 'usage_limit_exceeded' && r.exceeded?.limit === 'chat_messages')).toBe(true)
  })

  it('rolls an ended period forward exactly once when many calls race at the boundary', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_used = 40, period_cost = 3,
        billing_period_start = date_trunc('month', now()) - interval '1 month', billing_period_end = date_trunc('month', now()) where user_id = $1`)
    const results = await Promise.all(Array.from({ length: 30 }, () => admit(user)))
    expect(results.every((r) => r.admitted)).toBe(true)
    const sub = await subscription(user)
    // One step forward (not 30): exactly the calendar month that contains now.
    const monthStart = await withClient(url(), async (c) => (await c.query(`select date_trunc('month', now()) as d`)).rows[0].d)
    expect(sub.billing_period_start).toEqual(monthStart)
    expect(sub.chat_messages_used).toBe(0)
    expect(sub.period_cost).toBe('0.000000000000')
    await Promise.all(results.map((r) => settle(user, r.requestId)))
    expect((await subscription(user)).chat_messages_used).toBe(30)
  })

  it('lets the hold of a crashed call expire so it stops counting', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', image_generations_limit = 1, enforcement_mode = 'hard' where user_id = $1`)
    expect((await admit(user, 'image', { holdSeconds: 1 })).admitted).toBe(true) // never settled: the call "crashed"
    expect((await admit(user, 'image')).admitted).toBe(false)
    await new Promise((r) => setTimeout(r, 1_100))
    expect((await admit(user, 'image')).admitted).toBe(true)
  })

  it('refuses past a cost budget counting in-flight estimates, and settles the real cost', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = 0.01, enforcement_mode = 'hard' where user_id = $1`)
    const results = await Promise.all(Array.from({ length: 10 }, () => admit(user, 'chat', { estimate: '0.003' })))
    expect(results.filter((r) => r.admitted)).toHaveLength(3)
    expect(results.find((r) => !r.admitted)?.exceeded?.limit).toBe('monthly_cost_budget')
    await Promise.all(results.filter((r) => r.admitted).map((r) => settle(user, r.requestId, 'chat', '0.001')))
    expect((await subscription(user)).period_cost).toBe('0.003000000000')
  })

  it('holds one budget across services: parallel calls to four services cannot overspend it together', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = 0.01, enforcement_mode = 'hard' where user_id = $1`)
    const services = ['chat', 'image', 'content', 'video']
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => admit(user, services[i % 4], { estimate: '0.003' })))
    expect(results.filter((r) => r.admitted)).toHaveLength(3)
  })

  it('admits past the limit under soft enforcement, with a warning; tracks only under off', async () => {
    const soft = await newUser(`update public.user_subscriptions set plan_type = 'business', chat_messages_limit = 1, enforcement_mode = 'soft' where user_id = $1`)
    await admit(soft)
    const over = await admit(soft)
    expect(over).toMatchObject({ admitted: true, code: null, warnings: ['chat_messages'] })
    const off = await newUser(`update public.user_subscriptions set chat_messages_limit = 1 where user_id = $1`)
    await admit(off)
    expect(await admit(off)).toMatchObject({ admitted: true, warnings: [] })
  })

  it('raises each threshold alert exactly once per period under concurrent settlement; demo users get none', async () => {
    const paid = await newUser(`update public.user_subscriptions set plan_type = 'business', chat_messages_limit = 10, enforcement_mode = 'soft', monthly_cost_budget = 0.02 where user_id = $1`)
    const demo = await newUser()
    for (const user of [paid, demo]) {
      const admitted = await Promise.all(Array.from({ length: 30 }, () => admit(user)))
      await Promise.all(admitted.map((r) => settle(user, r.requestId, 'chat', '0.001')))
    }
    const alerts = await withClient(url(), async (c) =>
      (await c.query('select user_id::text, alert_type, threshold_percent from public.usage_alerts where user_id = any($1) order by 2, 3', [[paid, demo]])).rows,
    )
    expect(alerts).toEqual([
      { user_id: paid, alert_type: 'budget', threshold_percent: 50 },
      { user_id: paid, alert_type: 'budget', threshold_percent: 80 },
      { user_id: paid, alert_type: 'budget', threshold_percent: 100 },
      { user_id: paid, alert_type: 'quota', threshold_percent: 50 },
      { user_id: paid, alert_type: 'quota', threshold_percent: 80 },
      { user_id: paid, alert_type: 'quota', threshold_percent: 100 },
    ])
  })

  it('settles expired holds while admissions run for the same user, without deadlocks', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', enforcement_mode = 'hard' where user_id = $1`)
    for (let i = 0; i < 25; i++) {
      const held = await admit(user, 'chat', { holdSeconds: 0 }) // expired by the next statement
      const results = await Promise.allSettled([settle(user, held.requestId), admit(user), admit(user), settle(user, held.requestId)])
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    }
  })

  it('admits at most N per 60 s per service under a burst, and says when to retry', async () => {
    const user = await newUser(`update public.api_rate_limits set requests_per_minute = 7 where user_id = $1`)
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set enforcement_mode = 'hard', plan_type = 'pro' where user_id = $1`, [user]))
    const results = await Promise.all(Array.from({ length: 30 }, () => admit(user, 'image')))
    expect(results.filter((r) => r.admitted)).toHaveLength(7)
    expect(results.filter((r) => !r.admitted).every((r) => r.code === 'rate_limited')).toBe(true)
    // Other services have their own window.
    expect((await admit(user, 'chat')).admitted).toBe(true)
  })

  it('keeps the window small however high the limit: at most 60 one-second buckets', async () => {
    const user = await newUser(`update public.api_rate_limits set requests_per_minute = 1000000 where user_id = $1`)
    // 300 admissions spread over the buckets of the last 70 s, as if they had arrived then.
    await withClient(url(), (c) =>
      c.query(
        `update public.api_rate_limits set window_seconds = array(select floor(extract(epoch from now()))::bigint - s from generate_series(69, 0, -1) s),
                window_counts = array(select 5 from generate_series(1, 70)) where user_id = $1 and service_type = 'chat'`,
        [user],
      ),
    )
    const r = await admit(user)
    expect(r.admitted).toBe(true)
    const row = await withClient(url(), async (c) => (await c.query(`select window_seconds::text[] s, window_counts c from public.api_rate_limits where user_id = $1 and service_type = 'chat'`, [user])).rows[0])
    expect(row.s.length).toBeLessThanOrEqual(60)
    // Seconds older than the window were dropped; what is left is counted, plus this call.
    expect(r.rate!.remaining).toBe(1000000 - (row.c as number[]).reduce((a, b) => a + b, 0))
    expect((row.c as number[]).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5 * 59 + 1)
  })

  it('says when the oldest needed bucket leaves the window', async () => {
    const user = await newUser(`update public.api_rate_limits set requests_per_minute = 10 where user_id = $1`)
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set enforcement_mode = 'hard', plan_type = 'pro' where user_id = $1`, [user]))
    // 4 hits 50 s ago, 6 hits now: the 11th call waits for the 4 old ones, at most 10 s (the
    // start of their second + 60), less the time this test took.
    await withClient(url(), (c) =>
      c.query(`update public.api_rate_limits set window_seconds = array[floor(extract(epoch from now()))::bigint - 50], window_counts = array[4] where user_id = $1 and service_type = 'chat'`, [user]),
    )
    for (let i = 0; i < 6; i++) expect((await admit(user)).admitted).toBe(true)
    const refused = await admit(user)
    expect(refused.code).toBe('rate_limited')
    expect((refused as unknown as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThan(5)
    expect((refused as unknown as { retry_after_seconds: number }).retry_after_seconds).toBeLessThanOrEqual(10)
  })
})

describe('gateway_admit checks the API key in the same round trip', () => {
  async function keyOf(userId: string, revoked = false): Promise<string> {
    return withClient(url(), async (c) =>
      (await c.query(`insert into public.api_keys (user_id, name, key_prefix, key_hash, revoked_at) values ($1, 'k', 'tg_x', $2, $3) returning id`, [userId, randomBytes(32).toString('hex'), revoked ? new Date() : null])).rows[0].id,
    )
  }
  const holds = (userId: string) => withClient(url(), async (c) => Number((await c.query('select count(*) from public.usage_holds where user_id = $1', [userId])).rows[0].count))

  it('admits with the user\'s active key and stamps its last use', async () => {
    const user = await newUser()
    const key = await keyOf(user)
    expect((await admit(user, 'chat', { apiKey: key })).admitted).toBe(true)
    const used = await withClient(url(), async (c) => (await c.query('select last_used_at from public.api_keys where id = $1', [key])).rows[0].last_used_at)
    expect(used).not.toBeNull()
  })

  it('refuses a revoked key, or another user\'s key, without taking a hold', async () => {
    const user = await newUser()
    const other = await newUser()
    for (const key of [await keyOf(user, true), await keyOf(other), randomUUID()]) {
      const r = await admit(user, 'chat', { apiKey: key })
      expect(r).toMatchObject({ admitted: false, code: 'invalid_api_key' })
    }
    expect(await holds(user)).toBe(0)
  })
})
