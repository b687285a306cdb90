// The Demo plan lives twice: in the plan catalog and in the signup triggers (SQL). They must agree.
import { describe, expect, it } from 'vitest'
import { PLANS } from '@/lib/billing/plans'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

describe('the Demo plan', () => {
  it('is what the signup triggers give a new user', async () => {
    const row = await withClient(process.env.DATABASE_URL!, async (c) => {
      const id = await insertUser(c)
      const sub = (await c.query('select * from public.user_subscriptions where user_id = $1', [id])).rows[0]
      const rpm = (await c.query('select service_type, requests_per_minute from public.api_rate_limits where user_id = $1 order by 1', [id])).rows
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
    })
    expect(row.rpm).toEqual(['chat', 'content', 'image', 'video'].map((s) => ({ service_type: s, requests_per_minute: demo.requestsPerMinute })))
  })
})
