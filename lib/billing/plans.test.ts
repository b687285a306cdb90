// public.plans is the plan catalog. The seed's four plans are its first rows with the seed's
// terms (docs/seed-names.md) and the prices the pricing page has always shown.
import { describe, expect, it } from 'vitest'
import { listPlans } from '@/lib/billing/plans'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const PLANS = Object.fromEntries((await listPlans()).map((p) => [p.id, p]))

describe('the plan catalog', () => {
  it('starts with the seed plans and their terms', async () => {
    const seed = (await listPlans()).slice(0, 4).map((p) => ({
      id: p.id, price: p.price, currency: p.currency, limits: p.limits, rpm: p.requestsPerMinute, tpm: p.tokensPerMinute,
      budget: p.monthlyBudget, enforcement: p.enforcement, months: p.periodMonths, services: p.serviceLimits, stripe: p.stripePriceId,
    }))
    const common = { currency: 'usd', services: {}, stripe: null }
    expect(seed).toEqual([
      { id: 'demo', price: '0', limits: { content: 999_999, image: 999_999, video: 999_999, chat: 999_999 }, rpm: 600, tpm: 20_000_000, budget: null, enforcement: 'off', months: 12, ...common },
      { id: 'free', price: '0', limits: { content: 25, image: 10, video: 2, chat: 200 }, rpm: 10, tpm: 200_000, budget: '1', enforcement: 'hard', months: 1, ...common },
      { id: 'pro', price: '29', limits: { content: 500, image: 250, video: 25, chat: 5_000 }, rpm: 60, tpm: 1_000_000, budget: '50', enforcement: 'hard', months: 1, ...common },
      { id: 'business', price: '199', limits: { content: 5_000, image: 2_500, video: 250, chat: 50_000 }, rpm: 300, tpm: 5_000_000, budget: '500', enforcement: 'soft', months: 1, ...common },
    ])
    expect(PLANS.demo.name).toBe('Demo Plan - Unlimited Access')
  })
})

describe('the Demo plan', () => {
  it('is what the signup trigger gives a new user by default', async () => {
    const row = await withClient(process.env.DATABASE_URL!, async (c) => {
      const id = await insertUser(c)
      const sub = (await c.query('select * from public.user_subscriptions where user_id = $1', [id])).rows[0]
      const rpm = (await c.query('select service_type, requests_per_minute, tokens_per_minute from public.api_rate_limits where user_id = $1 order by 1', [id])).rows
      return { sub, rpm }
    })
    const demo = PLANS.demo
    expect(row.sub).toMatchObject({
      plan_type: demo.id,
      plan_name: demo.name,
      content_generations_limit: demo.limits.content,
      image_generations_limit: demo.limits.image,
      video_generations_limit: demo.limits.video,
      chat_messages_limit: demo.limits.chat,
      enforcement_mode: demo.enforcement,
      monthly_cost_budget: null,
      service_limits: demo.serviceLimits,
      service_used: {},
    })
    // Every service type gets the plan's rates, the types without quota columns too.
    expect(row.rpm).toEqual(
      ['audio', 'chat', 'content', 'embedding', 'image', 'moderation', 'video'].map((s) => ({ service_type: s, requests_per_minute: demo.requestsPerMinute, tokens_per_minute: demo.tokensPerMinute })),
    )
  })
})
