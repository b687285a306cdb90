// Checkout and portal sessions through the official `stripe` client, against a local fake of
// Stripe's API, and the "billing off" answer without keys.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { withClient } from '@/test/databases'
import { startFakeStripe, type FakeStripe } from '@/test/fakes/stripe'
import { insertUser } from '@/test/fixtures'

let fake: FakeStripe
beforeAll(async () => {
  fake = await startFakeStripe()
})
afterAll(() => fake.close())

async function load(configured: boolean) {
  vi.resetModules()
  vi.unstubAllEnvs()
  if (configured) {
    vi.stubEnv('STRIPE_SECRET_KEY', 'sk_test_tollgate')
    vi.stubEnv('STRIPE_PRICE_PRO', 'price_pro')
    vi.stubEnv('STRIPE_API_BASE', fake.url)
    vi.stubEnv('APP_URL', 'https://tollgate.example/')
  }
  return import('@/lib/billing/checkout')
}

async function user() {
  const email = `buyer-${Date.now()}-${Math.random()}@example.test`
  const id = await withClient(process.env.DATABASE_URL!, (c) => insertUser(c, email))
  return { id, email, displayName: 'Buyer' }
}

describe('checkout', () => {
  it('creates the Stripe customer once and a subscription Checkout Session carrying the user id', async () => {
    const { createCheckoutSession } = await load(true)
    const buyer = await user()
    const first = await createCheckoutSession(buyer, 'pro')
    const second = await createCheckoutSession(buyer, 'pro')
    expect(first).toMatchObject({ ok: true, url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) })
    expect(second.ok).toBe(true)
    expect(fake.calls.filter((c) => c.path === '/v1/customers')).toHaveLength(1)
    const session = fake.calls.filter((c) => c.path === '/v1/checkout/sessions').at(-1)!.form
    expect(Object.fromEntries(session)).toMatchObject({
      mode: 'subscription',
      customer: 'cus_fake_1',
      client_reference_id: buyer.id,
      'line_items[0][price]': 'price_pro',
      'subscription_data[metadata][user_id]': buyer.id,
      success_url: 'https://tollgate.example/settings/usage?upgraded=1',
    })
    const stored = await withClient(process.env.DATABASE_URL!, async (c) => (await c.query('select stripe_customer_id from public.user_subscriptions where user_id = $1', [buyer.id])).rows[0])
    expect(stored.stripe_customer_id).toBe('cus_fake_1')
  })

  it('opens the customer portal for a user with a customer, and refuses one without', async () => {
    const { createCheckoutSession, createPortalSession } = await load(true)
    const fresh = await user()
    expect(await createPortalSession(fresh)).toEqual({ ok: false, error: 'There is no billing account yet: upgrade first.' })
    await createCheckoutSession(fresh, 'pro')
    expect(await createPortalSession(fresh)).toEqual({ ok: true, url: 'https://billing.stripe.test/p/session/bps_fake' })
  })

  it('says billing is off without keys, and a plan without a price is not for sale', async () => {
    const off = await load(false)
    expect(await off.createCheckoutSession(await user(), 'pro')).toEqual({ ok: false, error: off.BILLING_OFF })
    const on = await load(true)
    expect(await on.createCheckoutSession(await user(), 'business')).toEqual({ ok: false, error: 'The business plan is not sold on this deployment.' })
  })
})
