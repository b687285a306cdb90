// Quota leases against the real database: a slice is granted only far from every limit, never
// lets the sum of slices and calls pass a limit under parallel grants, admits locally with no
// round trip, is given back by settlement and by its end, and goes with a revoked key.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeDatabase, pool as appPool } from '@/lib/db/prisma'
import { admitCall } from '@/lib/gateway/admission'
import { closeLeases, endLeases, heldLeases } from '@/lib/gateway/lease'
import { trackAPIUsage } from '@/lib/metering/record'
import { termsEvents } from '@/lib/usage/live'
import { buildUsageRow } from '@/lib/metering/row'
import { withClient } from '@/test/databases'
import { newUserIn } from '@/test/fixtures'

// Leases that outlast a slow test on a busy machine (the sweep would otherwise end them mid-test).
vi.hoisted(() => {
  process.env.QUOTA_LEASE_MS = '10000'
})

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool
beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 40 })
})
afterAll(async () => {
  await closeLeases()
  await pool.end()
  await closeDatabase()
})

const newUser = (sql = '') => newUserIn(url(), sql)

const requestId = () => `req_${randomUUID().replaceAll('-', '')}`

/** gateway_lease as the app calls it, asking for a slice of `calls`. */
async function lease(userId: string, calls: number, options: { units?: number; estimate?: string; tokens?: number } = {}) {
  const { rows } = await pool.query('select public.gateway_lease($1::uuid, $2, $3::int, $4::numeric, $5, 600, null, 7, null, $6::bigint, $7::int, 2) as r', [
    userId, 'chat', options.units ?? 1, options.estimate ?? '0', requestId(), options.tokens ?? 0, calls,
  ])
  return rows[0].r
}

const holds = (userId: string) =>
  withClient(url(), async (c) => (await c.query(`select request_id, units, estimated_cost::text as cost, tokens from public.usage_holds where user_id = $1 order by request_id`, [userId])).rows)
const windowRequests = (userId: string) =>
  withClient(url(), async (c) => Number((await c.query(`select coalesce((select sum(n) from unnest(window_counts) n), 0) as n from public.api_rate_limits where user_id = $1 and service_type = 'chat'`, [userId])).rows[0].n))

describe('gateway_lease', () => {
  it('reserves a slice far from the limits, as a hold and as requests in the rate window', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 10000, monthly_cost_budget = 100, enforcement_mode = 'hard' where user_id = $1`)
    const r = await lease(user, 16, { estimate: '0.01', tokens: 100 })
    expect(r).toMatchObject({ admitted: true, lease: { calls: 16, units: 16, cost: '0.16', tokens: 1600 } })
    const h = await holds(user)
    expect(h.find((x: { request_id: string }) => x.request_id === r.lease.id)).toMatchObject({ units: 16, cost: '0.160000000000', tokens: '1600' })
    expect(await windowRequests(user)).toBe(17)
    // Booked in the second the lease ends (2 s on): its calls, made until then, count a full minute each.
    const second = await withClient(url(), async (c) => (await c.query(`select rate_second - floor(extract(epoch from now()))::bigint as ahead from public.usage_holds where request_id = $1`, [r.lease.id])).rows[0].ahead)
    expect(Number(second)).toBeGreaterThanOrEqual(1)
  })

  it('gives no slice near a limit: under 16 calls in an eighth of what is left', async () => {
    const quota = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 120, enforcement_mode = 'hard' where user_id = $1`)
    expect((await lease(quota, 16)).lease).toBeUndefined()
    const budget = await newUser(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = 1, period_cost = 0.75, enforcement_mode = 'hard' where user_id = $1`)
    expect((await lease(budget, 16, { estimate: '0.01' })).lease).toBeUndefined()
    const rate = await newUser(`update public.api_rate_limits set requests_per_minute = 120 where user_id = $1`)
    expect((await lease(rate, 16)).lease).toBeUndefined()
  })

  it('never lets slices and calls sum past a hard quota, whatever the parallel mix', async () => {
    const user = await newUser(`with s as (update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 500, enforcement_mode = 'hard' where user_id = $1)
                                update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`)
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 ? lease(user, 64) : lease(user, 0))))
    const admitted = results.filter((r) => r.admitted).length
    const reserved = results.reduce((n, r) => n + (r.lease?.units ?? 0), 0)
    expect(admitted + reserved).toBeLessThanOrEqual(500)
    expect(results.some((r) => r.lease)).toBe(true)
    // What is left is exactly what neither holds: calls admitted one by one until refused.
    let more = 0
    while ((await lease(user, 0)).admitted) more++
    expect(admitted + reserved + more).toBe(500)
  })
})

describe('a refusal while slices are out', () => {
  it('says so, so the caller asks again once they are back; with none out it is final', async () => {
    const user = await newUser(`with s as (update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 200, enforcement_mode = 'hard' where user_id = $1)
                                update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`)
    const granted = await lease(user, 16)
    expect(granted.lease).toMatchObject({ units: 16 }) // asked 16; (200 - 1) / 8 = 24 would fit
    let admitted = 1
    let refused
    for (;;) {
      const r = await lease(user, 0)
      if (!r.admitted) {
        refused = r
        break
      }
      admitted++
    }
    expect(admitted).toBe(184)
    expect(refused).toMatchObject({ code: 'usage_limit_exceeded', leased: true })
    // The instance gives its 16 unused calls back: exactly those 16 more are admitted, then a final refusal.
    await pool.query('select public.gateway_lease_return($1::uuid, $2, $3, 16, 0, 0, 16)', [user, 'chat', granted.lease.id])
    for (let i = 0; i < 16; i++) expect((await lease(user, 0)).admitted).toBe(true)
    const final = await lease(user, 0)
    expect(final).toMatchObject({ admitted: false, code: 'usage_limit_exceeded' })
    expect(final.leased).toBeUndefined()
  })
})

describe('admission from a lease (lib/gateway/lease.ts)', () => {
  const input = (userId: string) => ({ userId, apiKeyId: null, credential: `test:${userId}`, service: 'chat' as const, units: 1, estimatedCost: '0.001', requestId: requestId(), upgradeUrl: 'http://x', tokens: 50 })
  type Input = ReturnType<typeof input> & Partial<Parameters<typeof admitCall>[0]>

  /** A caller seen a moment ago asks for a slice (a first call alone does not), once this process hears changed terms. */
  async function leased(call: () => Input) {
    await admitCall(call())
    await vi.waitFor(() => expect(termsEvents().listening()).toBe(true), { timeout: 5_000 })
    return admitCall(call())
  }

  it('admits from the slice without a round trip, and settlement and the end give everything back', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 100000, monthly_cost_budget = 1000, enforcement_mode = 'hard' where user_id = $1`)
    const first = await leased(() => input(user))
    expect(first.lease?.calls).toBe(16)
    const query = vi.spyOn(appPool(), 'query')
    const local = []
    try {
      for (let i = 0; i < 5; i++) local.push({ ...(await admitCall(input(user))), requestId: requestId() })
      expect(query).not.toHaveBeenCalled()
    } finally {
      query.mockRestore()
    }
    expect(local.map((a) => a.rate?.remaining)).toEqual([0, 1, 2, 3, 4].map((i) => first.rate!.remaining - 1 - i))
    expect(local.every((a) => a.leaseTake?.id === first.lease!.id)).toBe(true)

    // The five calls end and are settled: the lease's row shrinks by what they took.
    await Promise.all(local.map((a, i) => trackAPIUsage(buildUsageRow(
      { userId: user, service: 'chat', endpoint: '/test', requestId: `req_leased_${i}_${randomUUID().slice(0, 8)}`, campaignId: null, ip: null, userAgent: null, requestPayload: null, auth: 'api_key', apiKeyId: null, at: new Date(), latencyMs: 5, lease: a.leaseTake },
      { provider: 'openai', model: 'gpt-4o', input_tokens: 20, output_tokens: 10, input_cost: '0.0005', output_cost: '0', generation_cost: '0', total_cost: '0.0005', price_snapshot: null, cost_status: 'priced' },
    ))))
    const during = (await holds(user)).find((h: { request_id: string }) => h.request_id === first.lease!.id)
    expect(during).toMatchObject({ units: 11 })
    // The lease ends: its 11 unused calls go back; the window then counts the calls really made.
    await endLeases((l) => l.userId === user)
    expect((await holds(user)).map((h: { request_id: string }) => h.request_id)).not.toContain(first.lease!.id)
    expect(await windowRequests(user)).toBe(7)
    const sub = await withClient(url(), async (c) => (await c.query('select chat_messages_used, period_cost::text from public.user_subscriptions where user_id = $1', [user])).rows[0])
    expect(sub).toEqual({ chat_messages_used: 5, period_cost: '0.002500000000' })
  })

  it('makes the calls that arrive while a lease is asked for wait for it, not each ask the database', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 100000, monthly_cost_budget = 1000, enforcement_mode = 'hard' where user_id = $1`)
    await admitCall(input(user)) // seen: the next call asks for a slice
    await vi.waitFor(() => expect(termsEvents().listening()).toBe(true), { timeout: 5_000 })
    const query = vi.spyOn(appPool(), 'query')
    try {
      const burst = await Promise.all(Array.from({ length: 10 }, () => admitCall(input(user))))
      expect(query).toHaveBeenCalledTimes(1)
      const granted = burst.find((a) => a.lease)!
      expect(granted.lease!.calls).toBe(16)
      expect(burst.filter((a) => a.leaseTake?.id === granted.lease!.id)).toHaveLength(9)
    } finally {
      query.mockRestore()
    }
    await endLeases((l) => l.userId === user)
  })

  it('does not make calls wait for an ask near a limit, where no slice is granted', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 100, enforcement_mode = 'hard' where user_id = $1`)
    await admitCall(input(user))
    await vi.waitFor(() => expect(termsEvents().listening()).toBe(true), { timeout: 5_000 })
    expect((await admitCall(input(user))).lease).toBeUndefined() // asked, none granted: 98 left, under 128
    const query = vi.spyOn(appPool(), 'query')
    try {
      const calls = Array.from({ length: 5 }, () => admitCall(input(user)))
      // Each went to the database at once (a call admitCall makes waits after its query is sent).
      expect(query).toHaveBeenCalledTimes(5)
      expect((await Promise.all(calls)).every((a) => a.admitted && !a.leaseTake)).toBe(true)
    } finally {
      query.mockRestore()
    }
  })

  it('asks the database for a call the slice cannot cover, and for a campaign it has not seen', async () => {
    const user = await newUser(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 100000, monthly_cost_budget = 1000, enforcement_mode = 'hard' where user_id = $1`)
    expect((await leased(() => input(user))).lease).toBeDefined()
    expect((await admitCall({ ...input(user), estimatedCost: '5' })).leaseTake).toBeUndefined()
    const campaign = await withClient(url(), async (c) => (await c.query(`insert into public.campaigns (user_id, name) values ($1, 'c') returning id`, [user])).rows[0].id)
    expect((await admitCall({ ...input(user), campaignId: campaign })).leaseTake).toBeUndefined()
    expect((await admitCall({ ...input(user), campaignId: campaign })).leaseTake).toBeDefined()
    await endLeases((l) => l.userId === user)
  })

  it('never counts a call\'s prompt under a lease with no budget and room for its token bound', async () => {
    const user = await newUser() // Demo: enforcement off (no budget binds), 20,000,000 tokens a minute
    const first = await leased(() => ({ ...input(user), tokensAtMost: () => 400 }))
    expect(first.lease?.tokens).toBe(16 * 400) // the slice is sized for calls at the bound
    const estimate = vi.fn(() => '0.001')
    const tokens = vi.fn(() => 50)
    const local = await admitCall({ ...input(user), estimatedCost: estimate, tokens, tokensAtMost: () => 400 })
    expect(local.leaseTake).toMatchObject({ tokens: 400, cost: '0' })
    expect(estimate).not.toHaveBeenCalled()
    expect(tokens).not.toHaveBeenCalled()
    // A bound bigger than what is left: the prompt is counted, and the exact count taken.
    const counted = await admitCall({ ...input(user), tokens, tokensAtMost: () => 10_000 })
    expect(counted.leaseTake?.tokens).toBe(50)
    expect(tokens).toHaveBeenCalledTimes(1)
    await endLeases((l) => l.userId === user)
  })

  it('ends a user\'s leases on every instance when their terms change in the database', async () => {
    const user = await newUser()
    expect((await leased(() => input(user))).lease).toBeDefined()
    expect(heldLeases().some((l) => l.userId === user)).toBe(true)
    // Another process (here: plain SQL) lowers the user's rate: the database tells this one.
    await withClient(url(), (c) => c.query(`update public.api_rate_limits set requests_per_minute = 5 where user_id = $1 and service_type = 'chat'`, [user]))
    // (Well within the test's 10 s leases: only the notice can have ended it.)
    await vi.waitFor(() => expect(heldLeases().some((l) => l.userId === user)).toBe(false), { timeout: 5_000 })
    await vi.waitFor(async () => expect((await holds(user)).filter((h: { request_id: string }) => h.request_id.startsWith('lease_'))).toEqual([]), { timeout: 10_000 })
  })

  it('ends the leases of a key when it is revoked in this process', async () => {
    const user = await newUser()
    expect((await leased(() => ({ ...input(user), credential: 'key-1' }))).lease).toBeDefined()
    expect(heldLeases().some((l) => l.userId === user)).toBe(true)
    await endLeases((l) => l.credential === 'key-1')
    expect(heldLeases().some((l) => l.userId === user)).toBe(false)
    expect((await holds(user)).filter((h: { request_id: string }) => h.request_id.startsWith('lease_'))).toEqual([])
  })
})
