// The console's reports against the real database: calls booked by record_usage, plans with
// prices, Stripe invoices and alerts; every number checked against what was sent, folded here
// in TypeScript (not by the reports' SQL).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bucketOf } from '@/lib/admin/histogram'
import { usageByModel } from '@/lib/admin/reports/models'
import { overview } from '@/lib/admin/reports/overview'
import { providerHealth } from '@/lib/admin/reports/providers'
import type { ReportRange } from '@/lib/admin/reports/range'
import { readPlan } from '@/lib/admin/reports/top-users'
import { closeDatabase } from '@/lib/db/prisma'
import { formatUsd, parseUsd } from '@/lib/pricing/money'
import { insertUser } from '@/test/fixtures'

let client: pg.Client
afterAll(async () => {
  await client.end()
  await closeDatabase()
})

const JAN: ReportRange = {
  period: '30d',
  from: '2025-01-01',
  to: '2025-02-01',
  days: Array.from({ length: 31 }, (_, i) => `2025-01-${String(i + 1).padStart(2, '0')}`),
}

type Call = { user: string; provider: string; model: string; status: string; code?: string; cost: string | null; costStatus?: string; latency: number; at: string }

async function record(c: Call): Promise<void> {
  // The ledger has months from the migration's on; the app makes older ones when a row needs one.
  await client.query('select public.api_usage_partition_for($1)', [c.at])
  await client.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({
      user_id: c.user, service_type: 'chat', provider: c.provider, model: c.model, endpoint: '/test', request_id: `req_${randomUUID()}`,
      input_tokens: 10, output_tokens: 20, total_cost: c.cost, input_cost: c.cost, output_cost: c.cost === null ? null : '0',
      generation_cost: c.cost === null ? null : '0', cost_status: c.costStatus ?? (c.cost === null ? 'unpriced' : 'priced'),
      status: c.status, error_code: c.code ?? null, latency_ms: c.latency, metadata: c.status === 'error' ? { error_message: 'upstream said no' } : {}, created_at: c.at,
    }),
  ])
}

async function user(plan: string, status: string, since: string): Promise<string> {
  const id = await insertUser(client)
  await client.query('update public.user_subscriptions set plan_type = $2, status = $3, created_at = $4 where user_id = $1', [id, plan, status, since])
  return id
}

const users: Record<string, string> = {}
const sent: Call[] = []

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  await client.query(`insert into public.plans (id, name, content_generations_limit, image_generations_limit, video_generations_limit,
                        chat_messages_limit, requests_per_minute, monthly_cost_budget, enforcement_mode, period_months, price, currency)
                      values ('t_month', 'Monthly', 1, 1, 1, 1, 10, null, 'off', 1, 31, 'usd'),
                             ('t_year', 'Yearly', 1, 1, 1, 1, 10, null, 'off', 12, 365, 'usd'),
                             ('t_eur', 'Euro', 1, 1, 1, 1, 10, null, 'off', 1, 100, 'eur')`)
  users.a = await user('t_month', 'active', '2024-12-01') // 31 days × 31/31
  users.b = await user('t_year', 'active', '2025-01-10T12:00:00Z') // Jan 10..31: 22 × 365/365
  users.c = await user('t_month', 'canceled', '2024-12-01') // not active: nothing
  users.d = await user('t_month', 'active', '2024-12-01') // Stripe knows: 3000 cents over Jan 16..Feb 14
  users.e = await user('t_eur', 'active', '2024-12-01') // not USD: nothing
  await client.query(`insert into public.stripe_invoices (id, user_id, customer, amount_paid, currency, period_start, period_end, paid_at)
                      values ('in_d', $1, 'cus_d', 3000, 'usd', '2025-01-16', '2025-02-15', '2025-01-16'),
                             ('in_anon', null, 'cus_x', 600, 'usd', '2025-01-01', '2025-01-07', '2025-01-01'),
                             ('in_eur', null, 'cus_y', 9900, 'eur', '2025-01-01', '2025-01-31', '2025-01-01')`, [users.d])

  const models = [['openai', 'gpt-4o'], ['anthropic', 'claude'], ['openai', 'mystery']] as const
  const who = [users.a, users.b, users.c, users.d]
  for (let i = 0; i < 60; i++) {
    const [provider, model] = models[i % 3]
    const status = i % 10 === 0 ? 'error' : i % 15 === 1 ? 'rate_limited' : 'success'
    sent.push({
      user: who[i % 4], provider, model, status, code: status === 'error' ? 'upstream_timeout' : undefined,
      cost: model === 'mystery' ? null : `0.0${(i % 7) + 1}`, costStatus: model === 'claude' && i % 2 === 0 ? 'estimated' : undefined,
      latency: 20 + i * 13, at: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:30:00Z`,
    })
  }
  // Outside the range: must not count.
  sent.push({ user: users.a, provider: 'openai', model: 'gpt-4o', status: 'success', cost: '5', latency: 9, at: '2025-02-01T00:00:00Z' })
  sent.push({ user: users.a, provider: 'openai', model: 'gpt-4o', status: 'success', cost: '5', latency: 9, at: '2024-12-31T23:59:59Z' })
  for (const c of sent) await record(c)
  await client.query(`insert into public.usage_alerts (user_id, alert_type, threshold_percent, period_start, current_value, limit_value, message, created_at)
                      values ($1, 'budget', 80, '2025-01-01', 8, 10, 'Budget 80 % used', '2025-01-20T10:00:00Z'),
                             ($1, 'budget', 100, '2025-01-01', 10, 10, 'Budget used up', '2025-01-25T10:00:00Z'),
                             ($1, 'budget', 50, '2024-12-01', 5, 10, 'Before the range', '2024-12-20T10:00:00Z')`, [users.a])
})

const inJan = () => sent.filter((c) => c.at.startsWith('2025-01'))
const sum = (cs: Call[]) => formatUsd(cs.reduce((a, c) => a + (c.cost ? parseUsd(c.cost) : 0n), 0n))
const reached = (c: Call) => c.status !== 'rate_limited'

describe('overview', () => {
  it('adds up calls, cost, errors and latency by day and in total, from the rollups', async () => {
    const o = await overview(JAN)
    const calls = inJan()
    expect(o.total).toMatchObject({ calls: calls.length, errors: calls.filter((c) => c.status === 'error').length, refused: calls.filter((c) => !reached(c)).length, cost: sum(calls) })
    expect(o.total.errorRate).toBeCloseTo(calls.filter((c) => c.status === 'error').length / calls.filter(reached).length, 10)
    const latencies = calls.filter(reached).map((c) => c.latency).sort((x, y) => x - y)
    expect(bucketOf(o.total.p95!)).toBe(bucketOf(latencies[Math.ceil(0.95 * latencies.length) - 1]))
    expect(bucketOf(o.total.p50!)).toBe(bucketOf(latencies[Math.ceil(0.5 * latencies.length) - 1]))
    expect(o.days).toHaveLength(31)
    for (const d of o.days) {
      const those = calls.filter((c) => c.at.startsWith(d.day))
      expect([d.day, d.calls, d.cost]).toEqual([d.day, those.length, sum(those)])
    }
    expect(o.days.at(-1)).toMatchObject({ calls: 0, cost: '0', p95: null, errorRate: null })
  })

  it('accrues plan prices per day, replaced by Stripe amounts where known, and subtracts cost for the margin', async () => {
    const o = await overview(JAN)
    // a: 31 × 1; b: 22 × 1 (from Jan 10); d: Stripe 30 $ over 30 days, 16 in January; an
    // unmatched invoice: 6 $ over Jan 1..6. c is canceled, e and the euro invoice are not USD.
    expect(o.revenueSources).toEqual({ accrued: '53', invoiced: '22' })
    expect(o.total.revenue).toBe('75')
    expect(o.total.margin).toBe(formatUsd(parseUsd('75') - parseUsd(o.total.cost)))
    const day = (d: string) => o.days.find((x) => x.day === d)!
    expect([day('2025-01-01').revenue, day('2025-01-09').revenue, day('2025-01-10').revenue, day('2025-01-16').revenue]).toEqual(['2', '1', '2', '3'])
    expect(o.days.reduce((a, d) => a + parseUsd(d.revenue), 0n)).toBe(parseUsd('75'))
  })

  it('ranks the top users by cost, limited, with their email and plan, over whole and partial months', async () => {
    // Whole month; within a month (days added); most of a month (month less days); across a year's end.
    for (const [from, to] of [['2025-01-01', '2025-02-01'], ['2025-01-05', '2025-01-20'], ['2025-01-03', '2025-02-01'], ['2024-12-20', '2025-01-10']]) {
      const range = { ...JAN, from, to }
      const inRange = sent.filter((c) => c.at >= from && c.at < to)
      const o = await overview(range, { topUsers: 3 })
      const byUser = Object.values(users).map((id) => ({ id, calls: inRange.filter((c) => c.user === id).length, cost: parseUsd(sum(inRange.filter((c) => c.user === id))) }))
      const expected = byUser.filter((u) => u.calls > 0).sort((x, y) => (y.cost > x.cost ? 1 : y.cost < x.cost ? -1 : x.id.localeCompare(y.id))).slice(0, 3)
      expect(o.topUsers.map((u) => [u.userId, u.cost, u.calls]), `${from}..${to}`).toEqual(expected.map((u) => [u.id, formatUsd(u.cost), u.calls]))
      expect(o.topUsers[0].email).toMatch(/@example\.test$/)
      expect(o.topUsers[0].plan).toMatch(/^t_/)
    }
  })

  it('reads whole months and the fewer days of each partial month', () => {
    const now = new Date('2026-03-03T12:00:00Z')
    expect(readPlan({ from: '2026-03-01', to: '2026-03-04' }, now)).toEqual({ months: ['2026-03-01'], days: [] })
    expect(readPlan({ from: '2025-12-04', to: '2026-03-04' }, now)).toEqual({
      months: ['2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01'],
      days: [{ from: '2025-12-01', to: '2025-12-04', sign: -1 }],
    })
    expect(readPlan({ from: '2026-02-25', to: '2026-03-04' }, now)).toEqual({
      months: ['2026-03-01'],
      days: [{ from: '2026-02-25', to: '2026-03-01', sign: 1 }],
    })
    expect(readPlan({ from: '2026-01-05', to: '2026-01-20' }, now).days).toEqual([{ from: '2026-01-05', to: '2026-01-20', sign: 1 }])
  })

  it('lists unpriced and estimated calls by model, and the alerts raised in the range', async () => {
    const o = await overview(JAN)
    const count = (model: string, pred: (c: Call) => boolean) => inJan().filter((c) => c.model === model && pred(c)).length
    expect(o.unpriced).toEqual([
      { provider: 'openai', model: 'mystery', calls: count('mystery', () => true), unpriced: count('mystery', () => true), estimated: 0 },
      { provider: 'anthropic', model: 'claude', calls: count('claude', () => true), unpriced: 0, estimated: count('claude', (c) => c.costStatus === 'estimated') },
    ])
    expect(o.alerts.total).toBe(2)
    expect(o.alerts.latest.map((a) => [a.message, a.createdAt, a.userId])).toEqual([
      ['Budget used up', '2025-01-25T10:00:00Z', users.a],
      ['Budget 80 % used', '2025-01-20T10:00:00Z', users.a],
    ])
  })
})

describe('usage by model', () => {
  it('gives calls, cost, unpriced, estimated and p95 per model and provider', async () => {
    const rows = await usageByModel(JAN)
    expect(rows.map((r) => r.model)).toEqual(['gpt-4o', 'claude', 'mystery'].sort((x, y) => (parseUsd(sum(inJan().filter((c) => c.model === y))) > parseUsd(sum(inJan().filter((c) => c.model === x))) ? 1 : -1)))
    for (const r of rows) {
      const mine = inJan().filter((c) => c.model === r.model)
      const lat = mine.filter(reached).map((c) => c.latency).sort((x, y) => x - y)
      expect(r).toMatchObject({ calls: mine.length, cost: sum(mine), errors: mine.filter((c) => c.status === 'error').length })
      expect(bucketOf(r.p95!)).toBe(bucketOf(lat[Math.ceil(0.95 * lat.length) - 1]))
    }
  })
})

describe('provider health', () => {
  it('splits the last hour from the last day, with errors by code and the newest error', async () => {
    const now = new Date()
    const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString()
    const calls: Call[] = [
      { user: users.a, provider: 'healthy', model: 'm', status: 'success', cost: '0.01', latency: 100, at: ago(5) },
      { user: users.a, provider: 'flaky', model: 'm', status: 'error', code: 'upstream_timeout', cost: null, latency: 3000, at: ago(2) },
      { user: users.a, provider: 'flaky', model: 'm', status: 'success', cost: '0.01', latency: 200, at: ago(3) },
      { user: users.a, provider: 'flaky', model: 'm', status: 'error', code: 'upstream_5xx', cost: null, latency: 50, at: ago(300) },
      { user: users.a, provider: 'flaky', model: 'm', status: 'rate_limited', code: 'rate_limit_exceeded', cost: null, latency: 1, at: ago(301) },
      { user: users.a, provider: 'flaky', model: 'm', status: 'error', code: 'old', cost: null, latency: 50, at: ago(26 * 60) },
    ]
    for (const c of calls) await record(c)
    const health = await providerHealth(now)
    expect(health.map((h) => h.provider).slice(0, 2)).toEqual(['flaky', 'healthy'])
    const flaky = health[0]
    expect(flaky.hour).toMatchObject({ calls: 2, errors: 1, refused: 0, errorRate: 0.5, codes: { upstream_timeout: 1 }, lastError: 'upstream_timeout: upstream said no' })
    expect(flaky.day).toMatchObject({ calls: 4, errors: 2, refused: 1, codes: { upstream_timeout: 1, upstream_5xx: 1, rate_limit_exceeded: 1 } })
    expect(flaky.day.errorRate).toBeCloseTo(2 / 3, 10)
    expect(flaky.hour.lastErrorAt).toBe(`${calls[1].at.slice(0, 19)}Z`)
    expect(bucketOf(health[1].hour.p95!)).toBe(bucketOf(100))
  })
})
