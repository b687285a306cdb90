// Stripe webhooks on the real server: signatures made by the official `stripe` package,
// events replayed and reordered as Stripe does.
import { randomUUID } from 'node:crypto'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

const SECRET = 'whsec_test_tollgate_webhooks'
const stripe = new Stripe('sk_test_only_for_signing')
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'stripe-test-secret-at-least-32-characters',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_PRICE_PRO: 'price_pro',
    STRIPE_PRICE_BUSINESS: 'price_business',
  })
})
afterAll(() => server?.stop())

let clock = 1_795_000_000
function event(type: string, object: Record<string, unknown>, created = ++clock) {
  return { id: `evt_${randomUUID().replaceAll('-', '')}`, object: 'event', api_version: '2025-10-29.clover', created, livemode: false, pending_webhooks: 1, request: null, type, data: { object } }
}

function subscription(user: GatewayUser, customer: string, status: string, price: string, extra: Record<string, unknown> = {}) {
  return {
    id: `sub_${user.id.slice(0, 8)}`,
    object: 'subscription',
    status,
    customer,
    cancel_at_period_end: false,
    metadata: { user_id: user.id },
    items: { object: 'list', data: [{ id: 'si_1', price: { id: price }, current_period_start: 1_795_000_000, current_period_end: 1_797_592_000 }] },
    ...extra,
  }
}

async function deliver(payload: object, options: { timestamp?: number; tamper?: boolean; signature?: string | null } = {}) {
  const body = JSON.stringify(payload)
  const header = options.signature === undefined ? stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: options.timestamp }) : options.signature
  const sent = options.tamper ? body.replace('"status":"active"', '"status":"past_due"') : body
  return fetch(`${server.url}/api/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'stripe-signature': header }) }, body: sent })
}

const subscriptionOf = (userId: string) =>
  withClient(db(), async (c) => (await c.query(`select plan_type, plan_name, status, chat_messages_limit, enforcement_mode, billing_period_start, billing_period_end, stripe_customer_id, stripe_subscription_id from public.user_subscriptions where user_id = $1`, [userId])).rows[0])

describe('POST /api/stripe/webhook', () => {
  it('moves a demo user to Pro on checkout.session.completed + customer.subscription.created, with Stripe\'s period', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    const completed = await deliver(event('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', client_reference_id: user.id, customer, subscription: `sub_${user.id.slice(0, 8)}`, mode: 'subscription' }))
    expect(completed.status).toBe(200)
    expect(await completed.json()).toEqual({ received: true, outcome: 'linked' })
    const created = await deliver(event('customer.subscription.created', subscription(user, customer, 'active', 'price_pro')))
    expect(await created.json()).toEqual({ received: true, outcome: 'applied: pro active' })

    expect(await subscriptionOf(user.id)).toMatchObject({
      plan_type: 'pro',
      plan_name: 'Pro',
      status: 'active',
      chat_messages_limit: 5000,
      enforcement_mode: 'hard',
      billing_period_start: new Date(1_795_000_000_000),
      billing_period_end: new Date(1_797_592_000_000),
      stripe_customer_id: customer,
      stripe_subscription_id: `sub_${user.id.slice(0, 8)}`,
    })
    const page = await fetch(`${server.url}/settings/usage`, { headers: { cookie: user.cookie } })
    expect(await page.text()).toContain('Pro')
  })

  it('applies an event delivered twice only once', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    await deliver(event('customer.subscription.created', subscription(user, customer, 'active', 'price_pro')))
    const failed = event('invoice.payment_failed', { id: 'in_1', object: 'invoice', customer })
    expect(await (await deliver(failed)).json()).toEqual({ received: true, outcome: 'applied: past_due' })
    expect(await (await deliver(failed)).json()).toEqual({ received: true, outcome: 'duplicate' })
    const alerts = await withClient(db(), async (c) => (await c.query(`select count(*)::int as n from public.usage_alerts where user_id = $1 and alert_type = 'billing'`, [user.id])).rows[0].n)
    expect(alerts).toBe(1)
    expect((await subscriptionOf(user.id)).status).toBe('past_due')
  })

  it('applies an event delivered ten times at once exactly once', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    await deliver(event('customer.subscription.created', subscription(user, customer, 'active', 'price_pro')))
    const failed = event('invoice.payment_failed', { id: 'in_2', object: 'invoice', customer })
    const outcomes = await Promise.all(Array.from({ length: 10 }, async () => (await (await deliver(failed)).json()).outcome))
    expect(outcomes.filter((o) => o === 'applied: past_due')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9)
    const alerts = await withClient(db(), async (c) => (await c.query(`select count(*)::int as n from public.usage_alerts where user_id = $1 and alert_type = 'billing'`, [user.id])).rows[0].n)
    expect(alerts).toBe(1)
  })

  it('keeps a canceled subscription canceled when an older `updated` arrives after `deleted`', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    await deliver(event('customer.subscription.created', subscription(user, customer, 'active', 'price_business')))
    const updated = event('customer.subscription.updated', subscription(user, customer, 'active', 'price_business', { cancel_at_period_end: true }))
    const deleted = event('customer.subscription.deleted', subscription(user, customer, 'canceled', 'price_business'))
    expect((await (await deliver(deleted)).json()).outcome).toBe('applied: free canceled')
    expect((await (await deliver(updated)).json()).outcome).toBe('stale')
    expect(await subscriptionOf(user.id)).toMatchObject({ plan_type: 'free', status: 'canceled' })
  })

  it('refuses a stale signature, a tampered body and a missing signature with 400, changing nothing', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    const payload = event('customer.subscription.created', subscription(user, customer, 'active', 'price_pro'))
    const old = await deliver(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 })
    expect(old.status).toBe(400)
    expect((await old.json()).error.message).toMatch(/Timestamp outside the tolerance zone/)
    expect((await deliver(payload, { tamper: true })).status).toBe(400)
    expect((await deliver(payload, { signature: null })).status).toBe(400)
    expect((await deliver(payload, { signature: 't=1,v1=deadbeef' })).status).toBe(400)
    expect((await subscriptionOf(user.id)).plan_type).toBe('demo')
    const recorded = await withClient(db(), async (c) => (await c.query('select count(*)::int as n from public.stripe_events where id = $1', [payload.id])).rows[0].n)
    expect(recorded).toBe(0)
  })

  it('acknowledges event types it does not handle', async () => {
    const response = await deliver(event('customer.created', { id: 'cus_x', object: 'customer' }))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored' })
  })
})
