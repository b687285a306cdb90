// checkUsageLimit (public.gateway_check) against admission's own decisions on the real
// database: for each state, the read-only check is asked first (and must change nothing),
// then gateway_admit decides; the two must agree on whether, and on which limit.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '@/test/plans'
import { checkUsageLimit, type UsageLimitCheck } from '@/lib/usage/limit-check'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

// The seed's plans as this file's database has them (public.plans is the catalog).
const PLANS = await catalog()

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool

beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 10 })
})
afterAll(() => pool.end())

type Admission = { admitted: boolean; code: string | null; exceeded: { limit: string; max: number | string } | null; warnings: string[]; held_by: string | null; enforcement_mode: string; rate: { limit: number } }

const admit = async (userId: string, service = 'chat', estimate = '0') =>
  (await pool.query<{ r: Admission }>('select public.gateway_admit($1, $2, 1, $3, $4, 300, null, 7) as r', [userId, service, estimate, `req_${randomUUID()}`])).rows[0].r

/** A Pro user on a fresh month with 25 chat messages, `sql` applied on top. */
async function user(sql = '', params: unknown[] = []): Promise<string> {
  return withClient(url(), async (c) => {
    const id = await insertUser(c)
    await c.query(
      `update public.user_subscriptions set plan_type = 'pro', plan_name = 'Pro', chat_messages_limit = 25, chat_messages_used = 0,
              image_generations_limit = 100, monthly_cost_budget = 50, period_cost = 0, enforcement_mode = 'hard',
              billing_period_start = now() - interval '1 day', billing_period_end = now() - interval '1 day' + interval '1 month'
        where user_id = $1`,
      [id],
    )
    await c.query('update public.api_rate_limits set requests_per_minute = 60 where user_id = $1', [id])
    if (sql) await c.query(sql, [id, ...params])
    return id
  })
}

/** Everything admission writes for a user: the check must leave all of it as it was. */
const footprint = (userId: string) =>
  withClient(url(), async (c) => ({
    subscription: (await c.query('select * from public.user_subscriptions where user_id = $1', [userId])).rows,
    rates: (await c.query('select service_type, requests_per_minute, window_seconds, window_counts from public.api_rate_limits where user_id = $1 order by 1', [userId])).rows,
    holds: (await c.query('select request_id, expires_at from public.usage_holds where user_id = $1 order by 1', [userId])).rows,
  }))

/** Checks, proves the check wrote nothing, then admits; returns both. */
async function checkThenAdmit(userId: string, service: 'chat' | 'image' = 'chat', estimate = '0'): Promise<{ check: UsageLimitCheck; admission: Admission }> {
  const before = await footprint(userId)
  const check = await checkUsageLimit(userId, service, { estimatedCost: estimate })
  expect(await footprint(userId)).toEqual(before)
  const admission = await admit(userId, service, estimate)
  expect(check.allowed, JSON.stringify({ check, admission })).toBe(admission.admitted)
  expect(check.code).toBe(admission.code)
  expect(check.held_by).toBe(admission.held_by)
  expect(check.enforcement_mode).toBe(admission.enforcement_mode)
  expect(check.warnings).toEqual(admission.warnings)
  expect(check.rate.limit).toBe(admission.rate.limit)
  if (!admission.admitted) expect({ limit: check.exceeded?.limit, max: check.exceeded?.max }).toEqual({ limit: admission.exceeded?.limit, max: admission.exceeded?.max })
  return { check, admission }
}

describe('checkUsageLimit agrees with admission, and takes no hold', () => {
  it('allows a call under quota, with nothing in the way', async () => {
    const { check } = await checkThenAdmit(await user(`update public.user_subscriptions set chat_messages_used = 3 where user_id = $1`))
    expect(check).toMatchObject({ allowed: true, code: null, exceeded: null, message: null, rate: { limit: 60, remaining: 60 } })
  })

  it('refuses at quota under hard enforcement, saying which limit and when it resets', async () => {
    const { check } = await checkThenAdmit(await user(`update public.user_subscriptions set chat_messages_used = 25 where user_id = $1`))
    expect(check).toMatchObject({ allowed: false, code: 'usage_limit_exceeded', exceeded: { limit: 'chat_messages', used: 25, max: 25 } })
    expect(check.message).toMatch(/chat messages limit of 25/)
  })

  it('allows at quota under soft enforcement with a warning, and under off silently', async () => {
    const soft = await checkThenAdmit(await user(`update public.user_subscriptions set chat_messages_used = 25, enforcement_mode = 'soft' where user_id = $1`))
    expect(soft.check).toMatchObject({ allowed: true, warnings: ['chat_messages'], exceeded: { limit: 'chat_messages' } })
    const off = await checkThenAdmit(await user(`update public.user_subscriptions set chat_messages_used = 25, enforcement_mode = 'off' where user_id = $1`))
    expect(off.check).toMatchObject({ allowed: true, warnings: [] })
  })

  it('counts calls in flight (live holds) against the quota, and ignores expired ones', async () => {
    const id = await user(`update public.user_subscriptions set chat_messages_used = 23 where user_id = $1`)
    await pool.query(`insert into public.usage_holds (request_id, user_id, service_type, units, estimated_cost, period_start, expires_at)
                      select 'req_expired_' || $1::text, $1::uuid, 'chat', 5, 0, billing_period_start, now() - interval '1 second' from public.user_subscriptions where user_id = $1::uuid`, [id])
    expect((await checkThenAdmit(id)).check.allowed).toBe(true) // 23 + 1 (the expired 5 do not count)
    expect((await checkThenAdmit(id)).check).toMatchObject({ allowed: true }) // 23 + the first call's hold + 1 = 25
    expect((await checkThenAdmit(id)).check).toMatchObject({ allowed: false, exceeded: { limit: 'chat_messages', used: 25 } })
  })

  it('refuses when the budget is reached, counting the call\'s estimate', async () => {
    const id = await user(`update public.user_subscriptions set period_cost = 49.75 where user_id = $1`)
    expect((await checkThenAdmit(id, 'image', '0.20')).check.allowed).toBe(true)
    const { check } = await checkThenAdmit(id, 'image', '0.20') // 49.75 + 0.20 held + 0.20 > 50
    expect(check).toMatchObject({ allowed: false, code: 'usage_limit_exceeded', exceeded: { limit: 'monthly_cost_budget', max: '50.000000000000' } })
  })

  it('refuses once the request rate is spent, under every enforcement mode', async () => {
    for (const mode of ['hard', 'soft', 'off']) {
      const id = await user('update public.user_subscriptions set enforcement_mode = $2 where user_id = $1', [mode])
      await pool.query('update public.api_rate_limits set requests_per_minute = 3 where user_id = $1', [id])
      for (let i = 0; i < 3; i++) expect((await checkThenAdmit(id)).check.rate.remaining, mode).toBe(3 - i)
      const { check } = await checkThenAdmit(id)
      expect(check, mode).toMatchObject({ allowed: false, code: 'rate_limited', exceeded: { limit: 'requests_per_minute', max: 3 } })
      expect(check.retry_after_seconds).toBeGreaterThanOrEqual(1)
    }
  })

  it('gives a held plan (unpaid; past_due past its grace) the Free limits, as admission does', async () => {
    async function held(status: string, since: string) {
      const id = await user(`update public.user_subscriptions set chat_messages_used = $2, chat_messages_limit = 5000, status = $3 where user_id = $1`, [PLANS.free.limits.chat, status])
      // Its own statement: a trigger stamps status_changed_at whenever the status changes.
      await pool.query(`update public.user_subscriptions set status_changed_at = now() - $2::interval where user_id = $1`, [id, since])
      return id
    }
    const unpaid = await checkThenAdmit(await held('unpaid', '0 days'))
    expect(unpaid.check).toMatchObject({ allowed: false, held_by: 'unpaid', exceeded: { limit: 'chat_messages', max: PLANS.free.limits.chat } })
    expect(unpaid.check.message).toMatch(/unpaid/)
    const late = await checkThenAdmit(await held('past_due', '8 days'))
    expect(late.check).toMatchObject({ allowed: false, held_by: 'past_due' })
    const grace = await checkThenAdmit(await held('past_due', '6 days'))
    expect(grace.check).toMatchObject({ allowed: true, held_by: null })
  })

  it('reads an ended Demo year as the Free plan admission will roll it to, without rolling it', async () => {
    const id = await withClient(url(), async (c) => {
      const u = await insertUser(c)
      await c.query(`update public.user_subscriptions set chat_messages_used = 50, billing_period_start = now() - interval '1 year 1 day', billing_period_end = now() - interval '1 day' where user_id = $1`, [u])
      return u
    })
    const { check } = await checkThenAdmit(id)
    expect(check).toMatchObject({ allowed: true, plan_type: 'free', rate: { limit: PLANS.free.requestsPerMinute } })
    expect(new Date(check.period_end).getTime()).toBeGreaterThan(Date.now())
  })

  it('gives a user with no rate row their plan\'s rate, as admission does', async () => {
    const id = await user(`delete from public.api_rate_limits where user_id = $1 and service_type = 'chat'`)
    const { check } = await checkThenAdmit(id)
    expect(check.rate.limit).toBe(PLANS.pro.requestsPerMinute)
  })
})
