import 'server-only'
import type Stripe from 'stripe'
import type { Prisma } from '@/lib/generated/prisma/client'

type Tx = Prisma.TransactionClient

/**
 * The subscription an invoice bills: `parent.subscription_details` in Stripe's current API,
 * `subscription` on older API versions (webhook payloads follow the endpoint's version).
 */
function subscriptionOf(invoice: Stripe.Invoice): string | null {
  const fromParent = invoice.parent?.subscription_details?.subscription
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription
  const s = fromParent ?? legacy ?? null
  return typeof s === 'string' ? s : (s?.id ?? null)
}

/**
 * The service period an invoice pays for: a subscription invoice's line carries the
 * subscription period (the invoice's own period_start/end is the previous period's usage
 * window); any other invoice uses its own.
 */
function periodOf(invoice: Stripe.Invoice): { start: number; end: number } {
  const line = invoice.lines?.data?.find((l) => l.period?.start && l.period?.end)
  if (line) return { start: line.period.start, end: Math.max(line.period.start, line.period.end) }
  return { start: invoice.period_start, end: Math.max(invoice.period_start, invoice.period_end) }
}

/**
 * Records a paid invoice once (by invoice id; a replay or a second event about it changes
 * nothing). The user may be null (a customer we do not know): the amount is still revenue.
 */
export async function recordPaidInvoice(tx: Tx, invoice: Stripe.Invoice, userId: string | null, eventCreated: number): Promise<void> {
  if (!invoice.id) return
  const customer = typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? null)
  const period = periodOf(invoice)
  const paidAt = invoice.status_transitions?.paid_at ?? eventCreated
  await tx.$executeRaw`
    insert into public.stripe_invoices (id, user_id, customer, subscription, amount_paid, currency, period_start, period_end, paid_at)
    values (${invoice.id}, ${userId}::uuid, ${customer}, ${subscriptionOf(invoice)}, ${BigInt(invoice.amount_paid ?? 0)},
            ${(invoice.currency ?? 'usd').toLowerCase()}, to_timestamp(${period.start}), to_timestamp(${period.end}), to_timestamp(${paidAt}))
    on conflict (id) do nothing`
}
