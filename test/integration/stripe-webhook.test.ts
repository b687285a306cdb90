// Stripe on the real server, with a key (the API is a local fake, test/fakes/stripe.ts):
// webhook signatures made by the official `stripe` package, events replayed and reordered as
// Stripe does, each subscription event re-read from the API (the payload is only a hint), and
// Checkout / portal return URLs that no request header can redirect.
import { randomUUID } from 'node:crypto'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { startFakeStripe, type FakeStripe } from '@/test/fakes/stripe'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { callServerAction, form, serverActionId } from '@/test/server-actions'

const SECRET = 'whsec_test_tollgate_webhooks'
const stripe = new Stripe('sk_test_only_for_signing')
const APP_URL = 'https://tollgate.example'
let server: NextServer
let fake: FakeStripe
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  fake = await startFakeStripe()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'stripe-test-secret-at-least-32-characters',
    APP_URL,
    STRIPE_SECRET_KEY: 'sk_test_tollgate',
    STRIPE_API_BASE: fake.url,
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_PRICE_PRO: 'price_pro',
    STRIPE_PRICE_BUSINESS: 'price_business',
  })
})
afterAll(async () => {
  await server?.stop()
  await fake?.close()
})

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

/** Sets what Stripe's API says about a subscription now. */
const stripeNow = (sub: { id: string; [field: string]: unknown }) => fake.subscriptions.set(sub.id, sub)

/** Delivers a subscription event whose payload is also Stripe's current state. */
function deliverCurrent(type: string, sub: { id: string; [field: string]: unknown }) {
  stripeNow(sub)
  return deliver(event(type, sub))
}

const subscriptionOf = (userId: string) =>
  withClient(db(), async (c) => (await c.query(`select plan_type, plan_name, status, chat_messages_limit, enforcement_mode, billing_period_start, billing_period_end, stripe_customer_id, stripe_subscription_id from public.user_subscriptions where user_id = $1`, [userId])).rows[0])

describe('POST /api/stripe/webhook', () => {
  it('moves a demo user to Pro on checkout.session.completed + customer.subscription.created, with Stripe\'s period', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    stripeNow(subscription(user, customer, 'active', 'price_pro'))
    const completed = await deliver(event('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', client_reference_id: user.id, customer, subscription: `sub_${user.id.slice(0, 8)}`, mode: 'subscription' }))
    expect(completed.status).toBe(200)
    expect(await completed.json()).toEqual({ received: true, outcome: 'applied: pro active' })
    const created = await deliverCurrent('customer.subscription.created', subscription(user, customer, 'active', 'price_pro'))
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

  it('holds no lock on the user\'s subscription while it asks Stripe: a slow Stripe blocks no plan change or admission', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    const sub = subscription(user, customer, 'active', 'price_pro')
    stripeNow(sub)
    const slow = fake.holdSubscriptionReads()
    const delivery = deliver(event('checkout.session.completed', { id: 'cs_slow', object: 'checkout.session', client_reference_id: user.id, customer, subscription: sub.id, mode: 'subscription' }))
    try {
      await slow.arrived // the webhook is waiting for Stripe now
      // NOWAIT: any lock held on the row (the old code had written it, then asked Stripe) fails this at once.
      await withClient(db(), async (c) => {
        await c.query('begin')
        await c.query('select 1 from public.user_subscriptions where user_id = $1 for update nowait', [user.id])
        await c.query(`update public.user_subscriptions set chat_messages_used = chat_messages_used + 1 where user_id = $1`, [user.id])
        await c.query('commit')
      })
      // And a gateway call (admission locks the same row) is answered meanwhile.
      const chat = await fetch(`${server.url}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.key}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      })
      expect(chat.status).toBe(200)
    } finally {
      slow.release()
    }
    expect(await (await delivery).json()).toEqual({ received: true, outcome: 'applied: pro active' })
    expect(await subscriptionOf(user.id)).toMatchObject({ plan_type: 'pro', stripe_subscription_id: sub.id })
  })

  it('applies an event delivered twice only once', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    await deliverCurrent('customer.subscription.created', subscription(user, customer, 'active', 'price_pro'))
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
    await deliverCurrent('customer.subscription.created', subscription(user, customer, 'active', 'price_pro'))
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
    await deliverCurrent('customer.subscription.created', subscription(user, customer, 'active', 'price_business'))
    const updated = event('customer.subscription.updated', subscription(user, customer, 'active', 'price_business', { cancel_at_period_end: true }))
    const deleted = event('customer.subscription.deleted', subscription(user, customer, 'canceled', 'price_business'))
    stripeNow(subscription(user, customer, 'canceled', 'price_business'))
    expect((await (await deliver(deleted)).json()).outcome).toBe('applied: free canceled')
    // Stripe says canceled, whatever the late payload says; the free period is not restarted.
    expect((await (await deliver(updated)).json()).outcome).toBe('unchanged')
    expect(await subscriptionOf(user.id)).toMatchObject({ plan_type: 'free', status: 'canceled' })
  })

  it('keeps a user on a newer active subscription when an old subscription\'s `deleted` arrives', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    const old = subscription(user, customer, 'active', 'price_pro', { id: `sub_old_${user.id.slice(0, 8)}` })
    const newer = subscription(user, customer, 'active', 'price_business', { id: `sub_new_${user.id.slice(0, 8)}` })
    await deliverCurrent('customer.subscription.created', old)
    await deliverCurrent('customer.subscription.created', newer)
    expect(await subscriptionOf(user.id)).toMatchObject({ plan_type: 'business', stripe_subscription_id: newer.id })
    const ended = await deliverCurrent('customer.subscription.deleted', { ...old, status: 'canceled' })
    expect((await ended.json()).outcome).toBe('ignored: not the current subscription')
    expect(await subscriptionOf(user.id)).toMatchObject({ plan_type: 'business', status: 'active', stripe_subscription_id: newer.id })
  })

  it('ends two same-second events in either order with Stripe\'s current state, not the payloads\'', async () => {
    for (const order of ['hint first', 'current first']) {
      const user = await createGatewayUser(server.url)
      const customer = `cus_${user.id.slice(0, 8)}`
      await deliverCurrent('customer.subscription.created', subscription(user, customer, 'active', 'price_pro'))
      const second = ++clock
      // Within one second Stripe moved the subscription to past due and then (paid) to Business.
      const pastDue = event('customer.subscription.updated', subscription(user, customer, 'past_due', 'price_pro'), second)
      const business = event('customer.subscription.updated', subscription(user, customer, 'active', 'price_business'), second)
      stripeNow(subscription(user, customer, 'active', 'price_business'))
      for (const e of order === 'hint first' ? [pastDue, business] : [business, pastDue]) expect((await deliver(e)).status).toBe(200)
      expect(await subscriptionOf(user.id), order).toMatchObject({ plan_type: 'business', status: 'active' })
    }
  })

  it('ignores a subscription event for a subscription Stripe does not know', async () => {
    const user = await createGatewayUser(server.url)
    const customer = `cus_${user.id.slice(0, 8)}`
    const forged = subscription(user, customer, 'active', 'price_business', { id: `sub_unknown_${user.id.slice(0, 8)}` })
    expect((await (await deliver(event('customer.subscription.created', forged))).json()).outcome).toBe('ignored: unknown to Stripe')
    expect((await subscriptionOf(user.id)).plan_type).toBe('demo')
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

describe('Checkout and portal return URLs', () => {
  it('come from APP_URL, whatever X-Forwarded-Host the request carries', async () => {
    const user = await createGatewayUser(server.url)
    // A request whose Host says evil.example (Origin matching it, so Next.js lets the action run).
    const forged = { cookie: user.cookie, origin: 'http://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }
    const before = fake.calls.length
    const upgrade = await callServerAction(server.url, '/settings/account', serverActionId('app/(app)/settings/actions.ts', 'upgradeAction'), [null, form({ plan: 'pro' })], forged)
    expect(upgrade.status).toBeLessThan(400)
    await callServerAction(server.url, '/settings/account', serverActionId('app/(app)/settings/actions.ts', 'manageBillingAction'), [], forged)
    const sent = fake.calls.slice(before)
    const checkout = sent.find((c) => c.path === '/v1/checkout/sessions')!.form
    const portal = sent.find((c) => c.path === '/v1/billing_portal/sessions')!.form
    expect(checkout.get('success_url')).toBe(`${APP_URL}/settings/usage?upgraded=1`)
    expect(checkout.get('cancel_url')).toBe(`${APP_URL}/settings/account`)
    expect(portal.get('return_url')).toBe(`${APP_URL}/settings/account`)
  })
})
