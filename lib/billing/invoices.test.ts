// invoice.paid events leave one stripe_invoices row each (the amount Stripe was paid), for a
// known or unknown customer, once per invoice however often the event is delivered.
import { randomUUID } from 'node:crypto'
import type Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { handleStripeEvent } from '@/lib/billing/webhook'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!

function invoicePaid(invoice: Record<string, unknown>, created = Math.floor(Date.now() / 1000)): Stripe.Event {
  return { id: `evt_${randomUUID()}`, object: 'event', type: 'invoice.paid', created, data: { object: { object: 'invoice', ...invoice } } } as unknown as Stripe.Event
}

const invoices = (id: string) =>
  withClient(url(), async (c) =>
    (await c.query(`select user_id, customer, subscription, amount_paid::text, currency, extract(epoch from period_start)::int as start,
                           extract(epoch from period_end)::int as "end" from public.stripe_invoices where id = $1`, [id])).rows,
  )

describe('invoice.paid', () => {
  it('records the amount, currency, customer, subscription, user and the line period, once', async () => {
    const customer = `cus_${randomUUID()}`
    const user = await withClient(url(), async (c) => {
      const id = await insertUser(c)
      await c.query('update public.user_subscriptions set stripe_customer_id = $2 where user_id = $1', [id, customer])
      return id
    })
    const id = `in_${randomUUID()}`
    const body = {
      id, customer, amount_paid: 2900, currency: 'USD', period_start: 1_700_000_000, period_end: 1_700_000_000,
      parent: { subscription_details: { subscription: 'sub_123' } },
      lines: { data: [{ period: { start: 1_702_000_000, end: 1_704_592_000 } }] },
      status_transitions: { paid_at: 1_702_000_100 },
    }
    expect(await handleStripeEvent(invoicePaid(body))).toBe('noted')
    expect(await handleStripeEvent(invoicePaid({ ...body, amount_paid: 1 }))).toBe('noted') // another event, same invoice: the row stays
    expect(await invoices(id)).toEqual([{ user_id: user, customer, subscription: 'sub_123', amount_paid: '2900', currency: 'usd', start: 1_702_000_000, end: 1_704_592_000 }])
  })

  it('keeps an unknown customer\'s payment (no user) and ignores a failed payment', async () => {
    const id = `in_${randomUUID()}`
    expect(await handleStripeEvent(invoicePaid({ id, customer: 'cus_nobody', amount_paid: 500, currency: 'eur', period_start: 1_700_000_000, period_end: 1_702_592_000, subscription: 'sub_old' }))).toBe('ignored: unknown customer')
    expect(await invoices(id)).toEqual([{ user_id: null, customer: 'cus_nobody', subscription: 'sub_old', amount_paid: '500', currency: 'eur', start: 1_700_000_000, end: 1_702_592_000 }])
    const failed = `in_${randomUUID()}`
    await handleStripeEvent({ ...invoicePaid({ id: failed, customer: 'cus_nobody', amount_paid: 0, currency: 'usd', period_start: 1, period_end: 2 }), type: 'invoice.payment_failed' } as Stripe.Event)
    expect(await invoices(failed)).toEqual([])
  })
})
