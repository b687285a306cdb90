// "This Month" on the Usage tab: the calendar month's cost from the month rollups, beside the
// plan period's cost, which differs when the period is not that month (Demo's year).
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { getUserUsage } from '@/lib/usage/summary'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!
const DAY = 86_400_000

async function settle(userId: string, cost: string, createdAt: Date) {
  // The ledger has months from the migration's on; the app makes older ones when a row needs one.
  await withClient(url(), (c) => c.query('select public.api_usage_partition_for($1)', [createdAt.toISOString()]))
  await withClient(url(), (c) =>
    c.query('select public.record_usage($1::jsonb)', [
      JSON.stringify({ user_id: userId, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: cost, input_cost: '0', output_cost: cost, generation_cost: '0', cost_status: 'priced', status: 'success', created_at: createdAt.toISOString() }),
    ]),
  )
}

describe('getUserUsage cost', () => {
  it('gives the calendar month\'s cost beside the plan period\'s when the period is a year', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    const now = new Date()
    // Demo: a year's period, here begun 60 days ago; 40 days ago is always an earlier month.
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set billing_period_start = now() - interval '60 days' where user_id = $1`, [user]))
    await settle(user, '1.5', new Date(now.getTime() - 40 * DAY))
    await settle(user, '0.125', now)
    await settle(user, '0.000000000001', now)
    const summary = await getUserUsage(user, now)
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10)
    expect(summary.cost).toEqual({ currency: 'USD', period: '1.625000000001', month: '0.125000000001', month_start: monthStart, lifetime: '1.625000000001', unpriced_calls: 0, budget: null })
  })

  it('counts nothing this month for a user whose calls were all last month', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    const now = new Date()
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set billing_period_start = now() - interval '60 days' where user_id = $1`, [user]))
    await settle(user, '2', new Date(now.getTime() - 40 * DAY))
    expect((await getUserUsage(user, now)).cost).toMatchObject({ period: '2', month: '0', lifetime: '2' })
  })
})

describe('getUserUsage alerts', () => {
  it('lists the alerts of this period, whose start PostgreSQL keeps to the microsecond', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    // now() has microseconds; a JavaScript Date has milliseconds: the period's alerts must still match.
    await withClient(url(), (c) =>
      c.query(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 2, enforcement_mode = 'hard', billing_period_start = now() - interval '1.234567 seconds' where user_id = $1`, [user]),
    )
    await settle(user, '0.01', new Date())
    const { alerts } = await getUserUsage(user)
    expect(alerts).toEqual([expect.objectContaining({ alert_type: 'quota', service_type: 'chat', threshold_percent: 50, acknowledged: false })])
  })
})

describe('the Usage tab with services beyond the seed\'s four', () => {
  it('shows a service without quota columns only once it has a quota, and charts its calls and cost', async () => {
    const { getUsageDashboard } = await import('@/lib/usage/dashboard')
    const user = await withClient(url(), (c) => insertUser(c))
    const book = (service: string, cost: string) =>
      withClient(url(), (c) =>
        c.query('select public.record_usage($1::jsonb)', [
          JSON.stringify({ user_id: user, service_type: service, provider: 'simulator', model: 'text-embedding-3-small', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: cost, input_cost: cost, output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
        ]),
      )
    await book('embedding', '0.002')
    await book('moderation', '0')
    expect((await getUserUsage(user)).other_services).toEqual({})
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set service_limits = '{"embedding": 100}' where user_id = $1`, [user]))
    await book('embedding', '0.001')
    const dashboard = await getUsageDashboard(user)
    // Every successful call of the period counts, those made before the quota existed too.
    expect(dashboard.summary.other_services).toEqual({ embedding: { used: 2, limit: 100, unlimited: false } })
    const today = dashboard.daily.at(-1)!
    expect(today).toMatchObject({ embedding_calls: 2, embedding_cost: 0.003, moderation_calls: 1, audio_calls: 0, total_cost: '0.003' })
  })
})
