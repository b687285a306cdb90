// Plans on the real server (issue 13, items 4, 5 and 7): the Demo plan's rate holds under a
// truly parallel burst, an ended Demo is Free at the next call and on the usage read, an
// unpaid paid plan gets Free limits (and is told why), and SIGNUP_PLAN picks new users' plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '@/test/plans'
import { createMigratedDatabase, withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

// The seed's plans as this file's database has them (public.plans is the catalog).
const PLANS = await catalog()

let server: NextServer
const db = () => process.env.DATABASE_URL!
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))
const AUTH_SECRET = 'plans-test-secret-at-least-32-characters'

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET })
})
afterAll(() => server?.stop())

/** `count` chat calls fired at once. */
function burst(user: GatewayUser, count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await fetch(`${server.url}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `call ${i}` }], max_tokens: 20 }),
      })
      return { status: response.status, headers: response.headers, body: await response.json() }
    }),
  )
}

const usage = async (user: GatewayUser) => (await fetch(`${server.url}/api/v1/usage`, { headers: { authorization: `Bearer ${user.key}` } })).json()

describe('the Demo plan\'s rate limit', () => {
  it('refuses a Demo user bursting past requests_per_minute with 429s', async () => {
    const user = await createGatewayUser(server.url)
    // Sign-up gives Demo a finite rate on every service...
    const { rows: rates } = await sql('select service_type, requests_per_minute from public.api_rate_limits where user_id = $1 order by 1', [user.id])
    expect(rates).toEqual(['audio', 'chat', 'content', 'embedding', 'image', 'moderation', 'video'].map((s) => ({ service_type: s, requests_per_minute: PLANS.demo.requestsPerMinute })))
    expect((await usage(user)).plan).toMatchObject({ type: 'demo', enforcement_mode: 'off' })
    // ...lowered here so the burst is short; enforcement stays 'off'.
    await sql(`update public.api_rate_limits set requests_per_minute = 6 where user_id = $1 and service_type = 'chat'`, [user.id])

    const results = await burst(user, 24)
    expect(results.filter((r) => r.status === 200)).toHaveLength(6)
    const limited = results.filter((r) => r.status === 429)
    expect(limited).toHaveLength(18)
    for (const r of limited) {
      expect(r.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error', limit_name: 'requests_per_minute', limit: 6 })
      // A rate refusal says when a slot frees (one-second buckets: a hit counts 60 to 61 s), never the period's end.
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(61)
      expect(r.headers.get('x-should-retry')).toBeNull()
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('6')
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    }
    const rows = await usageRows(db(), user.id, 24, 30_000)
    expect(rows.filter((r) => r.status === 'rate_limited')).toHaveLength(18)
  })
})

describe('the end of the Demo', () => {
  const endDemo = (user: GatewayUser) =>
    sql(`update public.user_subscriptions set chat_messages_used = 40, billing_period_start = now() - interval '13 months', billing_period_end = now() - interval '1 month' where user_id = $1`, [user.id])

  it('moves a Demo user whose year is over to Free at the next call, counters reset', async () => {
    const user = await createGatewayUser(server.url)
    await endDemo(user)
    const [call] = await burst(user, 1)
    expect(call.status).toBe(200)
    expect(call.headers.get('x-ratelimit-limit-requests')).toBe(String(PLANS.free.requestsPerMinute))
    const { rows: [sub] } = await sql('select plan_type, chat_messages_limit, enforcement_mode from public.user_subscriptions where user_id = $1', [user.id])
    expect(sub).toEqual({ plan_type: 'free', chat_messages_limit: PLANS.free.limits.chat, enforcement_mode: 'hard' })
    await usageRows(db(), user.id, 1)
    expect((await usage(user)).services.chat).toEqual({ used: 1, limit: PLANS.free.limits.chat, unlimited: false })
  })

  it('shows Free on the usage read before any call', async () => {
    const user = await createGatewayUser(server.url)
    await endDemo(user)
    const summary = await usage(user)
    expect(summary.plan).toMatchObject({ type: 'free', name: PLANS.free.name, enforcement_mode: 'hard' })
    expect(summary.services.chat).toEqual({ used: 0, limit: PLANS.free.limits.chat, unlimited: false })
    expect(Date.parse(summary.period.end)).toBeGreaterThan(Date.now())
  })
})

describe('an unpaid plan', () => {
  async function proUser(status: string): Promise<GatewayUser> {
    const user = await createGatewayUser(server.url)
    const pro = PLANS.pro
    await sql(
      `update public.user_subscriptions set plan_type = 'pro', plan_name = $2, chat_messages_limit = $3, monthly_cost_budget = $4, enforcement_mode = 'hard',
              billing_period_start = now(), billing_period_end = now() + interval '1 month', chat_messages_used = $5, status = $6 where user_id = $1`,
      [user.id, pro.name, pro.limits.chat, pro.monthlyBudget, PLANS.free.limits.chat, status],
    )
    return user
  }

  it('gets Free limits, is told why, and sees them on Settings → Usage', async () => {
    const user = await proUser('unpaid')
    const [refused] = await burst(user, 1)
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({ code: 'usage_limit_exceeded', limit_name: 'chat_messages', limit: PLANS.free.limits.chat, subscription_status: 'unpaid' })
    expect(refused.body.error.message).toMatch(/subscription is unpaid, so Free limits apply/)
    expect((await usage(user)).plan).toMatchObject({ type: 'pro', status: 'unpaid', held_by: 'unpaid', enforcement_mode: 'hard' })
    expect((await usage(user)).services.chat.limit).toBe(PLANS.free.limits.chat)
    expect((await usage(user)).cost.budget).toBe(PLANS.free.monthlyBudget)
    // (React separates adjacent text with <!-- --> in server-rendered HTML)
    const page = (await (await fetch(`${server.url}/settings/usage`, { headers: { cookie: user.cookie } })).text()).replaceAll('<!-- -->', '')
    expect(page).toContain('data-testid="held-notice"')
    expect(page).toMatch(/Pro subscription is unpaid, so the Free plan(&#x27;|')s limits apply/)

    // Paid again: the plan's limits are back at once.
    await sql(`update public.user_subscriptions set status = 'active' where user_id = $1`, [user.id])
    expect((await burst(user, 1))[0].status).toBe(200)
  })

  it('keeps the plan while past_due within PAST_DUE_GRACE_DAYS (7 by default), then gets Free limits', async () => {
    const user = await proUser('past_due')
    expect((await burst(user, 1))[0].status).toBe(200)
    expect((await usage(user)).plan).toMatchObject({ held_by: null, grace_ends_at: expect.any(String) })
    await sql(`update public.user_subscriptions set status_changed_at = now() - interval '7 days 1 minute' where user_id = $1`, [user.id])
    const [refused] = await burst(user, 1)
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({ limit: PLANS.free.limits.chat, subscription_status: 'past_due' })
  })
})

describe('SIGNUP_PLAN', () => {
  it('starts new users on the configured plan', async () => {
    const other = await createMigratedDatabase('signup_plan')
    const freeServer = await startNextServer({ DATABASE_URL: other, AUTH_SECRET, SIGNUP_PLAN: 'free' })
    try {
      const user = await createGatewayUser(freeServer.url)
      const { rows: [sub] } = await withClient(other, (c) =>
        c.query(`select plan_type, chat_messages_limit, enforcement_mode, billing_period_start + interval '1 month' = billing_period_end as monthly from public.user_subscriptions where user_id = $1`, [user.id]),
      )
      expect(sub).toEqual({ plan_type: 'free', chat_messages_limit: PLANS.free.limits.chat, enforcement_mode: 'hard', monthly: true })
      const { rows: rates } = await withClient(other, (c) => c.query('select distinct requests_per_minute from public.api_rate_limits where user_id = $1', [user.id]))
      expect(rates).toEqual([{ requests_per_minute: PLANS.free.requestsPerMinute }])
    } finally {
      await freeServer.stop()
    }
  })
})
