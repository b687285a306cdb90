// The operator CLI as an operator runs it (a child process), against this file's database.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!

function tollgate(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tollgate.ts', ...args], { env: { ...process.env, DATABASE_URL: url() }, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, out: result.stdout + result.stderr }
}

async function userWithEmail(): Promise<{ id: string; email: string }> {
  const email = `op-${randomUUID()}@example.test`
  return { id: await withClient(url(), (c) => insertUser(c, email)), email }
}

const subscription = (id: string) =>
  withClient(url(), async (c) => (await c.query(`select plan_type, plan_name, status, chat_messages_limit, chat_messages_used, enforcement_mode, monthly_cost_budget::text as budget from public.user_subscriptions where user_id = $1`, [id])).rows[0])

// Each CLI run is a Node process that loads tsx and Prisma: seconds apiece on a busy machine,
// and a test runs up to four of them.
describe('npm run tollgate', { timeout: 120_000 }, () => {
  it('moves a user to a plan, and sets limits, enforcement and budget', async () => {
    const user = await userWithEmail()
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set chat_messages_used = 7, status = 'unpaid' where user_id = $1`, [user.id]))
    expect(tollgate('plan', user.email, 'pro')).toMatchObject({ code: 0 })
    expect(await subscription(user.id)).toMatchObject({ plan_type: 'pro', plan_name: 'Pro', chat_messages_limit: 5000, enforcement_mode: 'hard', budget: '50.000000000000', status: 'active' })
    const rpm = await withClient(url(), async (c) => (await c.query('select distinct requests_per_minute, tokens_per_minute, count(*) over () as n from public.api_rate_limits where user_id = $1', [user.id])).rows)
    expect(rpm).toEqual([{ requests_per_minute: 60, tokens_per_minute: 1_000_000, n: '7' }])

    expect(tollgate('limit', user.id, 'chat', '3').code).toBe(0)
    expect(tollgate('enforcement', user.email, 'soft').code).toBe(0)
    expect(tollgate('budget', user.email, 'none').code).toBe(0)
    expect(await subscription(user.id)).toMatchObject({ chat_messages_limit: 3, enforcement_mode: 'soft', budget: null })
  })

  it('sets a quota on a service without quota columns, and tokens per minute', async () => {
    const user = await userWithEmail()
    expect(tollgate('limit', user.email, 'embedding', '40').code).toBe(0)
    expect(tollgate('tpm', user.email, 'embedding', '5000').code).toBe(0)
    const row = await withClient(url(), async (c) =>
      (await c.query(`select s.service_limits, r.tokens_per_minute from public.user_subscriptions s join public.api_rate_limits r on r.user_id = s.user_id and r.service_type = 'embedding' where s.user_id = $1`, [user.id])).rows[0],
    )
    expect(row).toEqual({ service_limits: { embedding: 40 }, tokens_per_minute: 5000 })
    expect(tollgate('limit', user.email, 'embedding', 'none').code).toBe(0)
    expect(tollgate('limit', user.email, 'chat', 'none').code).toBe(2)
    expect((await withClient(url(), (c) => c.query(`select service_limits from public.user_subscriptions where user_id = $1`, [user.id]))).rows[0].service_limits).toEqual({})
  })

  it('starts a period of the new plan\'s length: Demo\'s year becomes Pro\'s month, with fresh counters', async () => {
    const user = await userWithEmail()
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set chat_messages_used = 7, billing_period_start = now() - interval '3 months', billing_period_end = now() - interval '3 months' + interval '1 year' where user_id = $1`, [user.id]))
    expect(tollgate('plan', user.email, 'pro').code).toBe(0)
    const monthly = await withClient(url(), async (c) =>
      (await c.query(`select billing_period_start + interval '1 month' = billing_period_end as monthly, billing_period_start > now() - interval '5 minutes' as starts_now, chat_messages_used from public.user_subscriptions where user_id = $1`, [user.id])).rows[0],
    )
    expect(monthly).toEqual({ monthly: true, starts_now: true, chat_messages_used: 0 })
    // Within periods of the same length (Pro → Business, both monthly) the period and its use stay.
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set chat_messages_used = 9, billing_period_start = now() - interval '10 days', billing_period_end = now() - interval '10 days' + interval '1 month' where user_id = $1`, [user.id]))
    expect(tollgate('plan', user.email, 'business').code).toBe(0)
    const kept = await withClient(url(), async (c) =>
      (await c.query(`select billing_period_start < now() - interval '9 days' as kept, chat_messages_used from public.user_subscriptions where user_id = $1`, [user.id])).rows[0],
    )
    expect(kept).toEqual({ kept: true, chat_messages_used: 9 })
  })

  it('lists, creates and changes plans (now, audited as the command line), and a user moves to a new one', async () => {
    const user = await userWithEmail()
    const id = `cli_${randomUUID().slice(0, 8)}`
    expect(tollgate('plan', 'create', id, 'name=CLI plan', 'price=9.99', 'limit_content=1', 'limit_image=1', 'limit_video=1', 'limit_chat=12',
      'requests_per_minute=5', 'enforcement_mode=hard', 'period_months=1')).toMatchObject({ code: 0 })
    expect(tollgate('plan', user.email, id)).toMatchObject({ code: 0 })
    expect(tollgate('plan', 'set', id, 'limit_chat=24', '--now')).toMatchObject({ code: 0, out: expect.stringContaining('1 subscriber(s) updated now') })
    expect(await subscription(user.id)).toMatchObject({ plan_type: id, chat_messages_limit: 24 })
    expect(tollgate('plan', 'list').out).toMatch(new RegExp(`^${id} +CLI plan +9\\.99 usd/1 mo`, 'm'))
    expect(tollgate('plan', 'set', id, 'price=-3')).toMatchObject({ code: 2, out: expect.stringContaining('price must be a decimal amount') })
    const audit = await withClient(url(), async (c) => (await c.query(`select actor, action from public.operator_audit where target = $1 order by id`, [id])).rows)
    expect(audit).toEqual([{ actor: 'cli', action: 'plan.create' }, { actor: 'cli', action: 'plan.update' }])
  })

  it('refuses bad commands with usage help and exit code 2', () => {
    expect(tollgate('plan', 'nobody@example.test', 'pro')).toMatchObject({ code: 2, out: expect.stringContaining('no user nobody@example.test') })
    expect(tollgate('enforcement', 'x', 'maybe').code).toBe(2)
    expect(tollgate('frobnicate')).toMatchObject({ code: 2, out: expect.stringContaining('Usage: npm run tollgate') })
  })

  it('sets an alert webhook only to an https URL of public addresses, as the user\'s own setting does', async () => {
    const user = await userWithEmail()
    expect(tollgate('webhook', user.email, 'http://example.com/hooks')).toMatchObject({ code: 2, out: expect.stringContaining('The URL must start with https://') })
    expect(tollgate('webhook', user.email, 'https://127.0.0.1/hooks')).toMatchObject({ code: 2, out: expect.stringContaining('127.0.0.1 is a loopback address; only public addresses are allowed') })
    const { alert_webhook_url } = await withClient(url(), async (c) => (await c.query('select alert_webhook_url from public.user_subscriptions where user_id = $1', [user.id])).rows[0])
    expect(alert_webhook_url).toBeNull()
  })

  it('reconciles counters with the usage rows, and exits 1 on drift', async () => {
    const user = await userWithEmail()
    await withClient(url(), (c) =>
      c.query('select public.record_usage($1::jsonb)', [
        JSON.stringify({ user_id: user.id, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: '0.25', input_cost: '0.25', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
      ]),
    )
    await withClient(url(), (c) =>
      c.query('select public.record_usage($1::jsonb)', [
        JSON.stringify({ user_id: user.id, service_type: 'embedding', provider: 'simulator', model: 'text-embedding-3-small', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: '0', input_cost: '0', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
      ]),
    )
    const clean = tollgate('reconcile', user.email)
    expect(clean.code).toBe(0)
    // The four quota columns, the three service types counted in service_used, the period's cost.
    expect(clean.out).toContain('all 8 counters match the usage rows')
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set service_used = '{"embedding": 3}' where user_id = $1`, [user.id]))
    expect(tollgate('reconcile', user.email).out).toMatch(/DRIFT .* service_used.embedding: counter 3, rows 1/)
    await withClient(url(), (c) => c.query('update public.user_subscriptions set chat_messages_used = 9 where user_id = $1', [user.id]))
    const drift = tollgate('reconcile', user.email)
    expect(drift.code).toBe(1)
    expect(drift.out).toMatch(/DRIFT .* chat_messages_used: counter 9, rows 1/)
    const fixed = tollgate('reconcile', user.email, '--fix')
    expect(fixed.out).toContain('fixed chat_messages_used: 9 → 1')
    expect(tollgate('reconcile', user.email)).toMatchObject({ code: 0 })
  })

  it('grants the operator role and issues operator keys, each audited as the command line', async () => {
    const user = await userWithEmail()
    expect(tollgate('operator', 'grant', user.email)).toMatchObject({ code: 0 })
    expect(tollgate('operator', 'list').out).toContain(user.email)
    const issued = tollgate('operator-key', 'create', 'service', 'product', 'backend')
    const key = /tgs_[A-Za-z0-9_-]{43}/.exec(issued.out)?.[0]
    expect(key).toBeDefined()
    const audit = await withClient(url(), async (c) => (await c.query(`select actor, action, after::text from public.operator_audit where actor = 'cli' and (target_user = $1 or action = 'operator_key.create') order by id`, [user.id])).rows)
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['operator.grant', 'operator_key.create']))
    expect(JSON.stringify(audit)).not.toContain(key)
    expect(tollgate('operator', 'grant', 'nobody-here@example.test')).toMatchObject({ code: 2, out: expect.stringContaining('No user with the email') })
  })

  it('releases stuck holds', async () => {
    const user = await userWithEmail()
    await withClient(url(), (c) => c.query(`select public.gateway_admit($1, 'chat', 1, 0, $2, 3600)`, [user.id, `req_${randomUUID()}`]))
    expect(tollgate('holds', 'release', user.email, '--expired').out).toContain('released 0 hold(s)')
    expect(tollgate('holds', 'release', user.email).out).toContain('released 1 hold(s)')
  })
})
