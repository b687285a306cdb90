// The console's plan pages against a real Next server: the edit form has labelled fields and the
// "apply now / at next period" choice; creating a plan refuses bad fields field by field and a
// taken Stripe price with a 409 beside its field; saving with "now" reaches the subscriber at
// once, with the count in the audit row.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { withClient } from '@/test/databases'
import { startNextServer, type NextServer } from '@/test/next-server'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

const db = () => process.env.DATABASE_URL!
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(db(), async (c) => (await c.query(text, params)).rows as T[])
const ACTIONS = 'app/(admin)/admin/plans/actions.ts'
let server: NextServer
let operator: GatewayUser
let subscriber: GatewayUser

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'gateway-test-secret-at-least-32-characters' })
  ;[operator, subscriber] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
  await sql(`insert into public.operators (user_id, granted_by) values ($1, 'tests')`, [operator.id])
})
afterAll(() => server?.stop())

const fields = (overrides: Record<string, string> = {}) => ({
  name: 'Team', price: '49.50', currency: 'usd', period_months: '1', limit_chat: '1000', limit_content: '100', limit_image: '50',
  limit_video: '5', requests_per_minute: '30', enforcement_mode: 'hard', ...overrides,
})

async function call(name: string, page: string, values: Record<string, string>) {
  const answer = await callServerAction(server.url, page, serverActionId(ACTIONS, name), [null, form(values)], { cookie: operator.cookie })
  return { status: answer.status, outcome: actionOutcome(await answer.text()) }
}

describe('the plan pages', () => {
  it('lists the seed plans and edits one through labelled fields', async () => {
    const list = await (await fetch(`${server.url}/admin/plans`, { headers: { cookie: operator.cookie } })).text()
    for (const id of ['demo', 'free', 'pro', 'business']) expect(list).toContain(`href="/admin/plans/${id}"`)
    const page = await (await fetch(`${server.url}/admin/plans/pro`, { headers: { cookie: operator.cookie } })).text()
    expect(page).toMatch(/<label[^>]*for="plan-limit_chat"[^>]*>Chat messages limit<\/label>/)
    expect(page).toContain('value="now"')
    expect(page).toContain('Apply now')
    expect(page).toContain('Save plan')
    expect((await fetch(`${server.url}/admin/plans/no_such_plan`, { headers: { cookie: operator.cookie } })).status).toBe(404)
  })

  it('creates a plan, refusing bad fields and a taken Stripe price beside the field', async () => {
    const id = `console_${randomUUID().slice(0, 8)}`
    const bad = await call('createPlanAction', '/admin/plans/new', { id, ...fields({ limit_chat: 'lots', price: '-1', tokens_per_minute: '5000' }) })
    expect(bad.outcome).toMatchObject({
      value: { ok: false, fieldErrors: { limit_chat: 'limit_chat must be a whole number', price: expect.stringContaining('decimal amount') }, values: { limit_chat: 'lots', tokens_per_minute: '5000' } },
    })
    const price = `price_${randomUUID().replaceAll('-', '')}`
    const made = await call('createPlanAction', '/admin/plans/new', { id, ...fields({ stripe_price_id: price }) })
    expect(made.outcome).toBeNull() // it redirected to the new plan's page
    expect(await sql(`select trim_scale(price)::text as price, chat_messages_limit, stripe_price_id from public.plans where id = $1`, [id]))
      .toEqual([{ price: '49.5', chat_messages_limit: 1000, stripe_price_id: price }])
    expect(await sql(`select action from public.operator_audit where target = $1`, [id])).toEqual([{ action: 'plan.create' }])
    const taken = await call('createPlanAction', '/admin/plans/new', { id: `${id}_b`, ...fields({ stripe_price_id: price }) })
    expect(taken.outcome).toMatchObject({ value: { ok: false, fieldErrors: { stripe_price_id: expect.stringContaining(`already sells the ${id} plan`) } } })
  })

  it('saves an edit now: the subscriber has the new limit at once and the audit row counts it', async () => {
    const id = `console_${randomUUID().slice(0, 8)}`
    await call('createPlanAction', '/admin/plans/new', { id, ...fields() })
    await sql(`update public.user_subscriptions set plan_type = $2, chat_messages_limit = 1000 where user_id = $1`, [subscriber.id, id])
    const later = await call('updatePlanAction', `/admin/plans/${id}`, { id, ...fields({ limit_chat: '2000' }), apply: 'next_period' })
    expect(later.outcome).toMatchObject({ value: { ok: true, data: { applied: 'next_period', subscribersUpdated: 0 } } })
    expect(await sql(`select chat_messages_limit from public.user_subscriptions where user_id = $1`, [subscriber.id])).toEqual([{ chat_messages_limit: 1000 }])
    const now = await call('updatePlanAction', `/admin/plans/${id}`, { id, ...fields({ limit_chat: '3000' }), apply: 'now' })
    expect(now.outcome).toMatchObject({ value: { ok: true, data: { applied: 'now', subscribersUpdated: 1 } } })
    expect(await sql(`select chat_messages_limit from public.user_subscriptions where user_id = $1`, [subscriber.id])).toEqual([{ chat_messages_limit: 3000 }])
    const audit = await sql<{ after: { applied: string; subscribers_updated: number } }>(`select after from public.operator_audit where target = $1 and action = 'plan.update' order by at, id`, [id])
    expect(audit.map((a) => [a.after.applied, a.after.subscribers_updated])).toEqual([['next_period', 0], ['now', 1]])
  })
})
