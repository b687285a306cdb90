// The plan catalog lives twice: in lib/billing/plans.ts for the app, and in public.plans for
// admission, the end of the Demo and the signup trigger (SQL). They must agree, plan by plan.
import { describe, expect, it } from 'vitest'
import { PLAN_IDS, PLANS } from '@/lib/billing/plans'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const MONTHS = { '1 month': 1, '1 year': 12 } as const

describe('the plan catalog', () => {
  it('is the same in public.plans as in lib/billing/plans.ts', async () => {
    const rows = await withClient(process.env.DATABASE_URL!, async (c) =>
      (await c.query(`select id, name, content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit, requests_per_minute,
                tokens_per_minute, service_limits, monthly_cost_budget::text as monthly_cost_budget, enforcement_mode, period_months
           from public.plans where id in ('demo', 'free', 'pro', 'business') order by id`)).rows,
    )
    expect(Object.keys(PLANS).sort()).toEqual([...PLAN_IDS].sort())
    expect(rows).toEqual(
      Object.values(PLANS)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((p) => ({
          id: p.id,
          name: p.name,
          content_generations_limit: p.limits.content,
          image_generations_limit: p.limits.image,
          video_generations_limit: p.limits.video,
          chat_messages_limit: p.limits.chat,
          requests_per_minute: p.requestsPerMinute,
          tokens_per_minute: p.tokensPerMinute,
          service_limits: p.serviceLimits,
          monthly_cost_budget: p.monthlyBudget === null ? null : `${p.monthlyBudget}.000000000000`,
          enforcement_mode: p.enforcement,
          period_months: MONTHS[p.period],
        })),
    )
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
