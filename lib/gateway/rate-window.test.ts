// The rate window (requests and tokens a minute), refusal counting and the per-service quota
// map, against the real database with truly parallel connections (issue 16, items 4 and 5).
import { randomUUID } from 'node:crypto'
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

type Rate = { limit: number; remaining: number; reset_seconds: number; tokens: { limit: number; remaining: number; reset_seconds: number } | null }
type Admission = {
  admitted: boolean
  code: string | null
  exceeded: { limit: string; used: number; max: number; reset_seconds?: number | null; requested?: number } | null
  rate: Rate
  retry_after_seconds: number | null
  requestId: string
}

const sql = (text: string, params: unknown[] = []) => withClient(url(), (c) => c.query(text, params))

async function admit(userId: string, service = 'chat', tokens = 0): Promise<Admission> {
  const requestId = `req_${randomUUID()}`
  const { rows } = await pool.query<{ r: Admission }>('select public.gateway_admit($1, $2, 1, 0, $3, 300, null, 7, null, $4) as r', [userId, service, requestId, tokens])
  return { ...rows[0].r, requestId }
}

async function settle(userId: string, requestId: string, service: string, tokens: { input: number; output: number }, status = 'success') {
  await pool.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({ user_id: userId, service_type: service, provider: 'simulator', model: 'm', endpoint: '/test', request_id: requestId, input_tokens: tokens.input, output_tokens: tokens.output, total_cost: '0', cost_status: 'priced', status }),
  ])
}

async function newUser(subscription = '', rates = ''): Promise<string> {
  return withClient(url(), async (c) => {
    const id = await insertUser(c)
    if (subscription) await c.query(`update public.user_subscriptions set ${subscription} where user_id = $1`, [id])
    if (rates) await c.query(`update public.api_rate_limits set ${rates} where user_id = $1`, [id])
    return id
  })
}

const windowOf = async (userId: string, service = 'chat') =>
  (await sql(`select window_seconds::text[] as secs, window_counts as counts, window_tokens::text[] as tokens from public.api_rate_limits where user_id = $1 and service_type = $2`, [userId, service])).rows[0]

describe('the request window', () => {
  it('says a wait under 60 s when the minute is full: a hit leaves 60 s after the start of its second', async () => {
    const user = await newUser('', 'requests_per_minute = 1')
    expect((await admit(user)).admitted).toBe(true)
    const refused = await admit(user)
    expect(refused).toMatchObject({ admitted: false, code: 'rate_limited', exceeded: { limit: 'requests_per_minute', max: 1 } })
    // Exact (fractional) and below 60: the openai SDK honours a wait under 60 s and waits once.
    expect(refused.retry_after_seconds).toBeGreaterThan(50)
    expect(refused.retry_after_seconds).toBeLessThan(60)
    expect(refused.rate).toMatchObject({ limit: 1, remaining: 0 })
    expect(refused.rate.reset_seconds).toBe(refused.retry_after_seconds)
  })

  it('drops a bucket exactly 60 s after the start of its second', async () => {
    const user = await newUser('', 'requests_per_minute = 1')
    // The one hit of the minute, in the second that started 60 s ago: gone now.
    await sql(`update public.api_rate_limits set window_seconds = array[floor(extract(epoch from now()))::bigint - 60], window_counts = array[1] where user_id = $1 and service_type = 'chat'`, [user])
    expect((await admit(user)).admitted).toBe(true)
  })
})

describe('refusals counted before admission', () => {
  it('answer the rate state every time, and the 429 once the minute is full', async () => {
    const user = await newUser('', 'requests_per_minute = 2, tokens_per_minute = 500')
    const count = async () => (await pool.query(`select public.gateway_count_refusal($1, 'chat', 7) as r`, [user])).rows[0].r
    const first = await count()
    expect(first).toMatchObject({ limited: false, rate: { limit: 2, remaining: 1, tokens: { limit: 500, remaining: 500 } } })
    expect(first.rate.reset_seconds).toBeGreaterThan(50)
    expect(first.rate.reset_seconds).toBeLessThanOrEqual(60)
    expect(await count()).toMatchObject({ limited: false, rate: { limit: 2, remaining: 0 } })
    const limited = await count()
    expect(limited).toMatchObject({ limited: true, exceeded: { limit: 'requests_per_minute', max: 2 }, rate: { remaining: 0 } })
    expect(limited.retry_after_seconds).toBeLessThan(60)
  })

  it('count against a service type that had no rate row yet (the row is made from the plan)', async () => {
    const user = await newUser()
    await sql(`delete from public.api_rate_limits where user_id = $1 and service_type = 'embedding'`, [user])
    const r = (await pool.query(`select public.gateway_count_refusal($1, 'embedding', 7) as r`, [user])).rows[0].r
    expect(r).toMatchObject({ limited: false, rate: { limit: 600, remaining: 599 } })
  })
})

describe('tokens per minute', () => {
  it('every plan has a token rate (Demo generous), and new users get it on every service type', async () => {
    const plans = (await sql(`select id, tokens_per_minute from public.plans order by tokens_per_minute`)).rows
    expect(plans.map((p) => p.id)).toEqual(['free', 'pro', 'business', 'demo'])
    const user = await newUser()
    const rows = (await sql(`select service_type, tokens_per_minute from public.api_rate_limits where user_id = $1 order by 1`, [user])).rows
    expect(rows).toEqual(['audio', 'chat', 'content', 'embedding', 'image', 'moderation', 'video'].map((s) => ({ service_type: s, tokens_per_minute: 20_000_000 })))
  })

  it('never lets parallel calls pass the limit, and refuses as rate_limited tokens_per_minute', async () => {
    const user = await newUser(`plan_type = 'pro', enforcement_mode = 'hard'`, 'requests_per_minute = 1000, tokens_per_minute = 10000')
    const results = await Promise.all(Array.from({ length: 40 }, () => admit(user, 'chat', 1_000)))
    expect(results.filter((r) => r.admitted)).toHaveLength(10)
    const refused = results.filter((r) => !r.admitted)
    expect(refused.every((r) => r.code === 'rate_limited' && r.exceeded?.limit === 'tokens_per_minute' && r.exceeded.max === 10_000)).toBe(true)
    expect(refused[0].retry_after_seconds).toBeLessThan(60)
    expect(refused[0].rate.tokens).toMatchObject({ limit: 10_000, remaining: 0 })
    // Calls without tokens (images) are not held back by it.
    expect((await admit(user, 'chat', 0)).admitted).toBe(true)
  })

  it('settlement corrects the window from the estimate to the actual tokens', async () => {
    const user = await newUser('', 'tokens_per_minute = 10000')
    const big = await admit(user, 'chat', 8_000)
    expect(big.rate.tokens?.remaining).toBe(2_000)
    expect((await admit(user, 'chat', 5_000)).exceeded?.limit).toBe('tokens_per_minute')
    await settle(user, big.requestId, 'chat', { input: 700, output: 300 })
    expect((await windowOf(user)).tokens).toEqual(['1000'])
    const next = await admit(user, 'chat', 5_000)
    expect(next.admitted).toBe(true)
    expect(next.rate.tokens?.remaining).toBe(4_000)
    // A failed call used no tokens: its estimate leaves the window.
    await settle(user, next.requestId, 'chat', { input: 0, output: 0 }, 'error')
    expect((await windowOf(user)).tokens).toEqual(['1000'])
  })

  it('refuses a call larger than the whole limit, with no time at which it would fit', async () => {
    const user = await newUser('', 'tokens_per_minute = 1000')
    const r = await admit(user, 'chat', 1_001)
    expect(r).toMatchObject({ admitted: false, code: 'rate_limited', exceeded: { limit: 'tokens_per_minute', requested: 1001, reset_seconds: null } })
  })

  it('gateway_check answers the same refusal', async () => {
    const user = await newUser('', 'tokens_per_minute = 1000')
    await admit(user, 'chat', 900)
    const { rows } = await pool.query(`select public.gateway_check($1, 'chat', 1, 0, 7, 200) as r`, [user])
    expect(rows[0].r).toMatchObject({ allowed: false, code: 'rate_limited', exceeded: { limit: 'tokens_per_minute' }, rate: { tokens: { limit: 1000, remaining: 100 } } })
  })

  it('set_plan_rates sets both rates on every service type', async () => {
    const user = await newUser()
    await sql(`select public.set_plan_rates($1, 7, 7000)`, [user])
    const rows = (await sql(`select distinct requests_per_minute, tokens_per_minute, count(*) over () as n from public.api_rate_limits where user_id = $1`, [user])).rows
    expect(rows).toEqual([{ requests_per_minute: 7, tokens_per_minute: 7000, n: '7' }])
  })
})

describe('quotas of services without quota columns', () => {
  it('admits exactly the quota under parallel calls, counts successes, alerts and resets with the period', async () => {
    const user = await newUser(`plan_type = 'pro', enforcement_mode = 'hard', service_limits = '{"embedding": 4}'`)
    const results = await Promise.all(Array.from({ length: 12 }, () => admit(user, 'embedding')))
    expect(results.filter((r) => r.admitted)).toHaveLength(4)
    expect(results.filter((r) => !r.admitted).every((r) => r.code === 'usage_limit_exceeded' && r.exceeded?.limit === 'embedding_requests' && r.exceeded.max === 4)).toBe(true)
    await Promise.all(results.filter((r) => r.admitted).map((r) => settle(user, r.requestId, 'embedding', { input: 10, output: 0 })))
    const sub = (await sql(`select service_used from public.user_subscriptions where user_id = $1`, [user])).rows[0]
    expect(sub.service_used).toEqual({ embedding: 4 })
    const alerts = (await sql(`select threshold_percent, message from public.usage_alerts where user_id = $1 and alert_type = 'quota' order by 1`, [user])).rows
    expect(alerts.map((a) => a.threshold_percent)).toEqual([50, 80, 100])
    expect(alerts[2].message).toBe('You have used 100% of your embedding requests this period (4 of 4).')
    // Other services without a quota are still governed by budget and rate alone.
    expect((await admit(user, 'audio')).admitted).toBe(true)
    // The period ends: the count starts again.
    await sql(`update public.user_subscriptions set billing_period_start = now() - interval '2 months', billing_period_end = now() - interval '1 month' where user_id = $1`, [user])
    expect((await admit(user, 'embedding')).admitted).toBe(true)
    expect((await sql(`select service_used from public.user_subscriptions where user_id = $1`, [user])).rows[0].service_used).toEqual({})
  })

  it('refuses a malformed quota map', async () => {
    const user = await newUser()
    for (const map of ['{"chat": 3}', '{"embedding": -1}', '{"embedding": 1.5}', '[]', '{"embedding": "3"}'])
      await expect(sql(`update public.user_subscriptions set service_limits = $2::jsonb where user_id = $1`, [user, map])).rejects.toThrow(/service_limits_check/)
  })

  it('a held subscription gets the lower of its own and Free\'s quota per service', async () => {
    await sql(`update public.plans set service_limits = '{"audio": 5, "embedding": 100}' where id = 'free'`)
    try {
      const user = await newUser(`plan_type = 'pro', status = 'unpaid', service_limits = '{"embedding": 50, "moderation": 7}'`)
      const { rows } = await sql(`select (public.effective_limits(s, 7)).service_limits from public.user_subscriptions s where user_id = $1`, [user])
      expect(rows[0].service_limits).toEqual({ audio: 5, embedding: 50, moderation: 7 })
    } finally {
      await sql(`update public.plans set service_limits = '{}' where id = 'free'`)
    }
  })
})
