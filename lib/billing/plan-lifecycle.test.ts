// What a subscription's plan, status and period mean at admission, against the real database
// (issue 13 items 4, 5 and 7): the rate limit holds under every enforcement mode, the Demo year
// ends on the Free plan, the sign-up plan is configurable, and an unpaid plan gets Free limits.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '@/test/plans'
import { writeSignupPlan } from '@/lib/billing/signup-plan'
import { SERVICE_TYPE_IDS } from '@/lib/services'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

// The seed's plans as this file's database has them (public.plans is the catalog).
const PLANS = await catalog()

// Every service type has its rate row, in the order the queries sort them.
const ALL_SERVICE_TYPES = [...SERVICE_TYPE_IDS].sort()

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool

beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 30 })
})
afterAll(() => pool.end())

type Admission = {
  admitted: boolean
  code: string | null
  exceeded: { limit: string; max: number | string } | null
  enforcement_mode: string
  held_by: string | null
  rate: { limit: number } | null
  retry_after_seconds: number | null
}

async function admit(userId: string, options: { service?: string; estimate?: string; graceDays?: number } = {}): Promise<Admission> {
  const { rows } = await pool.query<{ r: Admission }>('select public.gateway_admit($1, $2, 1, $3, $4, 300, null, $5) as r', [
    userId,
    options.service ?? 'chat',
    options.estimate ?? '0',
    `req_${randomUUID()}`,
    options.graceDays ?? 7,
  ])
  return rows[0].r
}

const sql = (text: string, params: unknown[] = []) => withClient(url(), (c) => c.query(text, params))
const newUser = () => withClient(url(), (c) => insertUser(c))
const subscription = async (userId: string) =>
  (await sql('select *, period_cost::text as period_cost, monthly_cost_budget::text as budget from public.user_subscriptions where user_id = $1', [userId])).rows[0]
const rates = async (userId: string) =>
  (await sql('select service_type, requests_per_minute, tokens_per_minute from public.api_rate_limits where user_id = $1 order by 1', [userId])).rows

describe('rate limits hold under every enforcement mode', () => {
  for (const mode of ['off', 'soft'] as const) {
    it(`refuses a burst past requests_per_minute with enforcement ${mode}`, async () => {
      const user = await newUser()
      await sql(`update public.user_subscriptions set enforcement_mode = $2 where user_id = $1`, [user, mode])
      await sql(`update public.api_rate_limits set requests_per_minute = 5 where user_id = $1`, [user])
      const results = await Promise.all(Array.from({ length: 20 }, () => admit(user)))
      expect(results.filter((r) => r.admitted)).toHaveLength(5)
      const refused = results.filter((r) => !r.admitted)
      expect(refused).toHaveLength(15)
      for (const r of refused) {
        expect(r).toMatchObject({ code: 'rate_limited', exceeded: { limit: 'requests_per_minute', max: 5 } })
        expect(r.retry_after_seconds).toBeLessThanOrEqual(61)
      }
    })
  }

  it('still only tracks quotas under enforcement off (the Demo plan)', async () => {
    const user = await newUser()
    await sql(`update public.user_subscriptions set chat_messages_limit = 1 where user_id = $1`, [user])
    expect((await Promise.all([admit(user), admit(user), admit(user)])).every((r) => r.admitted)).toBe(true)
  })

  it('gives a user with no rate row their plan\'s rate, so the rate is never skipped', async () => {
    const user = await newUser()
    await sql(`update public.user_subscriptions set plan_type = 'free' where user_id = $1`, [user])
    await sql(`delete from public.api_rate_limits where user_id = $1`, [user])
    const results = await Promise.all(Array.from({ length: 15 }, () => admit(user)))
    expect(results.filter((r) => r.admitted)).toHaveLength(PLANS.free.requestsPerMinute)
    expect(results.filter((r) => !r.admitted).every((r) => r.code === 'rate_limited')).toBe(true)
  })
})

describe('the Demo plan ends after its year, on the Free plan', () => {
  it('turns an ended Demo period into the Free plan at the next admission, counters reset', async () => {
    const user = await newUser()
    const { rows: [ended] } = await sql(
      `update public.user_subscriptions set chat_messages_used = 5000, period_cost = 12.5,
              billing_period_start = now() - interval '1 year' - interval '40 days', billing_period_end = now() - interval '40 days'
        where user_id = $1 returning billing_period_end`,
      [user],
    )
    const results = await Promise.all(Array.from({ length: 8 }, () => admit(user)))
    expect(results.every((r) => r.admitted && r.enforcement_mode === 'hard' && r.rate?.limit === PLANS.free.requestsPerMinute)).toBe(true)
    const sub = await subscription(user)
    const free = PLANS.free
    expect(sub).toMatchObject({
      plan_type: 'free',
      plan_name: free.name,
      content_generations_limit: free.limits.content,
      image_generations_limit: free.limits.image,
      video_generations_limit: free.limits.video,
      chat_messages_limit: free.limits.chat,
      enforcement_mode: free.enforcement,
      chat_messages_used: 0,
      period_cost: '0.000000000000',
      budget: `${free.monthlyBudget}.000000000000`,
    })
    // Monthly periods counted from the moment the Demo ended: the one that contains now.
    const { rows: [p] } = await sql(
      `select $1::timestamptz + interval '1 month' = $2::timestamptz as monthly, $1::timestamptz <= now() and now() < $2::timestamptz as current,
              $1::timestamptz = $3::timestamptz + interval '1 month' as from_demo_end`,
      [sub.billing_period_start, sub.billing_period_end, ended.billing_period_end],
    )
    expect(p).toMatchObject({ monthly: true, current: true, from_demo_end: true })
    expect(await rates(user)).toEqual(ALL_SERVICE_TYPES.map((s) => ({ service_type: s, requests_per_minute: free.requestsPerMinute, tokens_per_minute: free.tokensPerMinute })))
  })

  it('rolls other plans forward on their own plan, as before', async () => {
    const user = await newUser()
    await sql(
      `update public.user_subscriptions set plan_type = 'pro', plan_name = 'Pro', chat_messages_limit = 5000, chat_messages_used = 9,
              billing_period_start = now() - interval '40 days', billing_period_end = now() - interval '40 days' + interval '1 month'
        where user_id = $1`,
      [user],
    )
    expect((await admit(user)).admitted).toBe(true)
    expect(await subscription(user)).toMatchObject({ plan_type: 'pro', chat_messages_limit: 5000, chat_messages_used: 0 })
  })

  it('is rolled for a page read (roll_user_subscription) without waiting for a call', async () => {
    const user = await newUser()
    await sql(`update public.user_subscriptions set billing_period_start = now() - interval '2 years', billing_period_end = now() - interval '1 year' where user_id = $1`, [user])
    await sql('select public.roll_user_subscription($1)', [user])
    expect((await subscription(user)).plan_type).toBe('free')
  })
})

describe('the plan new users start on', () => {
  afterAll(() => writeSignupPlan('demo'))

  it('is Demo by default, with a finite rate for every service', async () => {
    const user = await newUser()
    expect((await subscription(user)).plan_type).toBe('demo')
    expect(await rates(user)).toEqual(ALL_SERVICE_TYPES.map((s) => ({ service_type: s, requests_per_minute: PLANS.demo.requestsPerMinute, tokens_per_minute: PLANS.demo.tokensPerMinute })))
  })

  it('is the configured sign-up plan (SIGNUP_PLAN, written at boot), period and rates included', async () => {
    await writeSignupPlan('free')
    await writeSignupPlan('free') // idempotent
    const user = await newUser()
    const sub = await subscription(user)
    expect(sub).toMatchObject({ plan_type: 'free', plan_name: PLANS.free.name, chat_messages_limit: PLANS.free.limits.chat, enforcement_mode: 'hard', budget: '1.000000000000' })
    const { rows: [p] } = await sql(`select $1::timestamptz + interval '1 month' = $2::timestamptz as monthly`, [sub.billing_period_start, sub.billing_period_end])
    expect(p.monthly).toBe(true)
    expect(await rates(user)).toEqual(ALL_SERVICE_TYPES.map((s) => ({ service_type: s, requests_per_minute: PLANS.free.requestsPerMinute, tokens_per_minute: PLANS.free.tokensPerMinute })))
  })
})

describe('the subscription status decides which limits apply', () => {
  /** A Pro user past the Free chat allowance (but well within Pro's). */
  async function proUser(status: string, statusSince = '0 days'): Promise<string> {
    const user = await newUser()
    await sql(
      `update public.user_subscriptions set plan_type = 'pro', plan_name = 'Pro', chat_messages_limit = 5000, chat_messages_used = 250,
              monthly_cost_budget = 50, enforcement_mode = 'hard', billing_period_start = now() - interval '1 day',
              billing_period_end = now() - interval '1 day' + interval '1 month', status = $2 where user_id = $1`,
      [user, status],
    )
    await sql(`update public.user_subscriptions set status_changed_at = now() - $2::interval where user_id = $1`, [user, statusSince])
    await sql(`update public.api_rate_limits set requests_per_minute = 60 where user_id = $1`, [user])
    return user
  }

  for (const status of ['active', 'trialing']) {
    it(`gives ${status} the plan's limits`, async () => {
      expect(await admit(await proUser(status))).toMatchObject({ admitted: true, held_by: null })
    })
  }

  it('keeps the plan while past_due within the grace days, then gives Free limits', async () => {
    expect(await admit(await proUser('past_due', '6 days'))).toMatchObject({ admitted: true, held_by: null })
    const late = await proUser('past_due', '8 days')
    expect(await admit(late)).toMatchObject({ admitted: false, code: 'usage_limit_exceeded', held_by: 'past_due', exceeded: { limit: 'chat_messages', max: PLANS.free.limits.chat } })
    // The grace is the caller's PAST_DUE_GRACE_DAYS.
    expect(await admit(late, { graceDays: 30 })).toMatchObject({ admitted: true })
    expect(await admit(await proUser('past_due', '2 days'), { graceDays: 1 })).toMatchObject({ admitted: false, held_by: 'past_due' })
  })

  for (const status of ['unpaid', 'incomplete', 'paused', 'canceled']) {
    it(`gives ${status} Free limits: quota, budget, rate, hard enforcement`, async () => {
      const user = await proUser(status)
      expect(await admit(user)).toMatchObject({ admitted: false, code: 'usage_limit_exceeded', held_by: status, exceeded: { limit: 'chat_messages', max: PLANS.free.limits.chat } })
      // Images are within Free's allowance, but the budget is Free's ($1), not Pro's ($50).
      expect(await admit(user, { service: 'image', estimate: '2' })).toMatchObject({ admitted: false, exceeded: { limit: 'monthly_cost_budget', max: '1.000000000000' } })
      const images = await Promise.all(Array.from({ length: 15 }, () => admit(user, { service: 'image' })))
      expect(images.filter((r) => r.admitted)).toHaveLength(PLANS.free.requestsPerMinute)
      expect(images.filter((r) => !r.admitted).every((r) => r.code === 'rate_limited' && r.rate?.limit === PLANS.free.requestsPerMinute)).toBe(true)
    })
  }

  it('never raises a limit the user already has below Free\'s', async () => {
    const user = await proUser('unpaid')
    await sql(`update public.user_subscriptions set image_generations_limit = 1 where user_id = $1`, [user])
    expect((await admit(user, { service: 'image' })).admitted).toBe(true)
    expect(await admit(user, { service: 'image' })).toMatchObject({ admitted: false, exceeded: { limit: 'image_generations', max: 1 } })
  })

  it('knows since when a status holds: status_changed_at moves only when the status changes', async () => {
    const user = await proUser('active', '30 days')
    const since = async () => (await subscription(user)).status_changed_at as Date
    const before = await since()
    await sql(`update public.user_subscriptions set chat_messages_used = 1 where user_id = $1`, [user])
    expect(await since()).toEqual(before)
    await sql(`update public.user_subscriptions set status = 'past_due' where user_id = $1`, [user])
    expect((await since()).getTime()).toBeGreaterThan(Date.now() - 60_000)
  })
})
