// Plans as data against the real database: an edit is audited; it reaches subscribers at their
// next period, or at once when the operator says now; an operator's per-user override survives
// both; a Stripe price maps to a plan created later; the signup plan comes from the table.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { Actor } from '@/lib/admin/actor'
import { listAudit } from '@/lib/admin/audit'
import { setUserLimit, setUserPlan, setUserRequestsPerMinute } from '@/lib/admin/manage'
import { createPlan, getPlanWithSubscribers, planFields, updatePlan } from '@/lib/admin/plans'
import { applyPlan } from '@/lib/billing/apply-plan'
import { getPlan, isPlanId, listPlans, requirePlan } from '@/lib/billing/plans'
import { writeSignupPlan } from '@/lib/billing/signup-plan'
import { planForPrice, priceForPlan } from '@/lib/billing/stripe'
import { closeDatabase } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!
const operator: Actor = { kind: 'operator', userId: randomUUID(), email: 'ops@example.test' }
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(url(), async (c) => (await c.query(text, params)).rows as T[])

afterAll(() => closeDatabase())

let seq = 0
async function newPlan(overrides: Record<string, unknown> = {}) {
  const id = `team_${++seq}_${randomUUID().slice(0, 6)}`
  return createPlan(operator, {
    id, name: `Team ${seq}`, price: '49.5', limit_content: 100, limit_image: 50, limit_video: 5, limit_chat: 1000, limit_embedding: 300,
    requests_per_minute: 30, tokens_per_minute: 100000, monthly_cost_budget: '80', enforcement_mode: 'hard', period_months: 1, ...overrides,
  })
}

async function subscriber(planId: string): Promise<string> {
  const id = await withClient(url(), (c) => insertUser(c, `${randomUUID()}@example.test`))
  await setUserPlan({ kind: 'cli' }, id, planId)
  return id
}

const terms = async (user: string) =>
  (await sql<{ chat: number; content: number; budget: string | null; services: Record<string, number>; rpm: number; chat_rpm: number; end_in_months: number }>(
    `select s.chat_messages_limit as chat, s.content_generations_limit as content, trim_scale(s.monthly_cost_budget)::text as budget,
            s.service_limits as services, (select requests_per_minute from public.api_rate_limits where user_id = s.user_id and service_type = 'image') as rpm,
            (select requests_per_minute from public.api_rate_limits where user_id = s.user_id and service_type = 'chat') as chat_rpm,
            extract(month from age(s.billing_period_end, s.billing_period_start))::int + 12 * extract(year from age(s.billing_period_end, s.billing_period_start))::int as end_in_months
       from public.user_subscriptions s where s.user_id = $1`, [user]))[0]

/** Ends the user's period, then rolls it as admission does (under the row lock). */
async function rollPeriod(user: string): Promise<void> {
  // The same length of period, ended a day ago.
  await sql(`update public.user_subscriptions
                set billing_period_start = (now() - interval '1 day') - make_interval(months => (extract(month from age(billing_period_end, billing_period_start))
                                           + 12 * extract(year from age(billing_period_end, billing_period_start)))::int),
                    billing_period_end = now() - interval '1 day'
              where user_id = $1`, [user])
  // (Moving the period back was itself a period move: the terms it applied are what the roll would apply.)
  await sql(`select public.roll_subscription_period(id) from public.user_subscriptions where user_id = $1`, [user])
}

describe('the plan catalog in public.plans', () => {
  it('starts with the seed plans, priced, and lists plans created later', async () => {
    const before = await listPlans()
    expect(before.slice(0, 4).map((p) => [p.id, p.price, p.periodMonths])).toEqual([['demo', '0', 12], ['free', '0', 1], ['pro', '29', 1], ['business', '199', 1]])
    const plan = await newPlan()
    expect(await isPlanId(plan.id)).toBe(true) // the write cleared this process's cache
    expect((await listPlans()).at(-1)?.id).toBe(plan.id)
    expect(await isPlanId('toString')).toBe(false)
  })

  it('records a created and an edited plan in the audit, and refuses bad input by field', async () => {
    const plan = await newPlan()
    const edited = await updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 2000, price: '59.90' })
    expect(edited).toMatchObject({ applied: 'next_period', subscribersUpdated: 0, plan: { price: '59.9', limits: { chat: 2000 } } })
    const rows = (await listAudit({ limit: 50 })).filter((e) => e.target === plan.id)
    expect(rows.map((e) => e.action)).toEqual(['plan.update', 'plan.create'])
    expect(rows[0].before).toMatchObject({ price: '49.5', limits: { chat: 1000 } })
    expect(rows[0].after).toMatchObject({ price: '59.9', limits: { chat: 2000 }, applied: 'next_period', subscribers_updated: 0 })
    await expect(updatePlan(operator, plan.id, { ...planFields(plan), price: '-1' })).rejects.toMatchObject({ code: 'invalid_request', param: 'price' })
    await expect(updatePlan(operator, plan.id, { ...planFields(plan), requests_per_minute: 0 })).rejects.toMatchObject({ param: 'requests_per_minute' })
    await expect(updatePlan(operator, plan.id, planFields(plan), 'tomorrow')).rejects.toMatchObject({ param: undefined, message: 'apply must be next_period or now' })
    await expect(createPlan(operator, { ...planFields(plan), id: plan.id })).rejects.toMatchObject({ code: 'conflict', param: 'id' })
  })

  it('refuses a Stripe price that already sells another plan (409) and maps a price to a plan created later', async () => {
    const price = `price_${randomUUID().replaceAll('-', '')}`
    const plan = await newPlan({ stripe_price_id: price })
    expect(await planForPrice(price)).toBe(plan.id)
    expect(await priceForPlan(plan.id)).toBe(price)
    const other = await newPlan()
    const refused = await updatePlan(operator, other.id, { ...planFields(other), stripe_price_id: price }).catch((e: AppError) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({ status: 409, param: 'stripe_price_id', message: `Stripe price ${price} already sells the ${plan.id} plan: a price sells one plan.` })
    expect(await planForPrice('price_nobody')).toBeNull()
    expect(await priceForPlan('constructor')).toBeNull()
  })

  it('gives new users the signup plan from the table, a plan created later included', async () => {
    const plan = await newPlan({ limit_chat: 77, requests_per_minute: 7 })
    await writeSignupPlan(plan.id)
    try {
      const user = await withClient(url(), (c) => insertUser(c, `${randomUUID()}@example.test`))
      expect(await terms(user)).toMatchObject({ chat: 77, rpm: 7, budget: '80' })
      expect((await getPlanWithSubscribers(plan.id))?.subscribers).toBe(1)
    } finally {
      await writeSignupPlan('demo')
    }
    await expect(writeSignupPlan('no_such_plan')).rejects.toMatchObject({ code: '23503' })
  })
})

describe('a plan change reaches its subscribers', () => {
  it('at their next period by default, keeping an operator override', async () => {
    const plan = await newPlan()
    const plain = await subscriber(plan.id)
    const overridden = await subscriber(plan.id)
    await setUserLimit(operator, overridden, 'chat', 5)
    await setUserRequestsPerMinute(operator, overridden, 'image', 3)
    await updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 2000, limit_content: 200, requests_per_minute: 40, limit_embedding: null, limit_audio: 9, monthly_cost_budget: null })
    // This period: unchanged.
    expect(await terms(plain)).toMatchObject({ chat: 1000, content: 100, rpm: 30, budget: '80', services: { embedding: 300 } })
    await rollPeriod(plain)
    await rollPeriod(overridden)
    expect(await terms(plain)).toMatchObject({ chat: 2000, content: 200, rpm: 40, chat_rpm: 40, budget: null, services: { audio: 9 } })
    // The override stays; the terms it did not touch follow the plan.
    expect(await terms(overridden)).toMatchObject({ chat: 5, content: 200, rpm: 3, chat_rpm: 40, budget: null })
  })

  it('now, when the operator says so: every subscriber at once, counted in one audit row', async () => {
    const plan = await newPlan()
    const users = [await subscriber(plan.id), await subscriber(plan.id)]
    await setUserLimit(operator, users[1], 'chat', 5)
    const done = await updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 3000, period_months: 12 }, 'now')
    expect(done.subscribersUpdated).toBe(2)
    expect(await terms(users[0])).toMatchObject({ chat: 3000, end_in_months: 12 })
    expect(await terms(users[1])).toMatchObject({ chat: 5, end_in_months: 12 })
    const [entry] = (await listAudit({ limit: 50 })).filter((e) => e.target === plan.id)
    expect(entry).toMatchObject({ action: 'plan.update', actor: 'operator:ops@example.test', after: { applied: 'now', subscribers_updated: 2 } })
    // Applied once: the next period has nothing left to apply (the override still stands).
    await rollPeriod(users[1])
    expect(await terms(users[1])).toMatchObject({ chat: 5, end_in_months: 12 })
  })

  it('now, beside admissions of its subscribers in flight: no deadlock, every call decided', async () => {
    const plan = await newPlan({ requests_per_minute: 1000 })
    const users = [await subscriber(plan.id), await subscriber(plan.id), await subscriber(plan.id)]
    const admit = (user: string) => sql(`select public.gateway_admit($1, 'chat', 1, 0, $2, 60) as a`, [user, `req_${randomUUID()}`])
    const calls = users.flatMap((u) => Array.from({ length: 8 }, () => admit(u)))
    const [done, ...answers] = await Promise.all([updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 999 }, 'now'), ...calls])
    expect(done.subscribersUpdated).toBe(3)
    expect(answers.every((rows) => (rows[0].a as { admitted: boolean }).admitted)).toBe(true)
    for (const u of users) expect(await terms(u)).toMatchObject({ chat: 999 })
  })

  it('at a Stripe renewal, not at another Stripe event about the same plan', async () => {
    const plan = await newPlan()
    const user = await subscriber(plan.id)
    await setUserLimit(operator, user, 'content', 7)
    const start = new Date(Date.now() - 86_400_000)
    const end = new Date(start.getTime() + 30 * 86_400_000)
    const stripe = { status: 'active', stripeSubscriptionId: 'sub_renewal', samePlanKeepsTerms: true }
    await applyPlan(user, plan.id, { ...stripe, period: { start, end } })
    await updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 4000 })
    // An event in the same period (a changed card, a status): the terms stay.
    await applyPlan(user, plan.id, { ...stripe, period: { start, end } })
    expect(await terms(user)).toMatchObject({ chat: 1000, content: 7 })
    // The renewal: the new terms, the override kept.
    await applyPlan(user, plan.id, { ...stripe, period: { start: end, end: new Date(end.getTime() + 30 * 86_400_000) } })
    expect(await terms(user)).toMatchObject({ chat: 4000, content: 7 })
  })

  it('leaves subscribers of other plans alone, and the seed plans still carry the seed terms', async () => {
    const plan = await newPlan()
    const user = await subscriber('pro')
    await updatePlan(operator, plan.id, { ...planFields(plan), limit_chat: 1 }, 'now')
    expect(await terms(user)).toMatchObject({ chat: (await requirePlan('pro')).limits.chat })
    expect(await getPlan('free')).toMatchObject({ limits: { chat: 200 }, requestsPerMinute: 10, monthlyBudget: '1', enforcement: 'hard' })
  })
})
