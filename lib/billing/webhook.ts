import 'server-only'
import Stripe from 'stripe'
import { z } from 'zod'
import { applyPlan } from '@/lib/billing/apply-plan'
import { recordPaidInvoice } from '@/lib/billing/invoices'
import { planForPrice, stripe } from '@/lib/billing/stripe'
import {
  ENDED_STATUSES,
  EVENT_RANK,
  isNewer,
  stateFromSubscription,
  subscriptionVerdict,
  type StripeSubscriptionLike,
  type SubscriptionEventType,
} from '@/lib/billing/subscription-events'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import type { Prisma } from '@/lib/generated/prisma/client'

type Tx = Prisma.TransactionClient
const UUID = z.uuid()
const customerId = (c: string | { id: string } | null | undefined) => (typeof c === 'string' ? c : (c?.id ?? null))

/** A subscription as Stripe's API returned it, and when it was read (ms); 'missing' if Stripe does not know it. */
type Fresh = { sub: StripeSubscriptionLike; readAt: number } | 'missing' | null

/**
 * Applies one verified Stripe event, exactly once: the event id is recorded in the same
 * transaction that applies it, so a replay (or two deliveries racing) is acknowledged and
 * changes nothing. Throws when the event could not be applied (Stripe unreachable included),
 * so Stripe retries it.
 */
export async function handleStripeEvent(event: Stripe.Event): Promise<string> {
  // A replay is answered without asking Stripe anything; the claim below still decides.
  if (await db().stripeEvent.findUnique({ where: { id: event.id }, select: { id: true } })) return 'duplicate'
  // Stripe is read before the transaction opens: no row lock is held across the network.
  const fresh = await readSubscription(event)
  return db().$transaction(async (tx) => {
    // Claim the id first: a concurrent delivery of the same event waits here, then sees it.
    const claimed = await tx.$executeRaw`
      insert into public.stripe_events (id, type, created_at_stripe, outcome)
      values (${event.id}, ${event.type}, to_timestamp(${event.created}), 'processing')
      on conflict (id) do nothing`
    if (claimed === 0) return 'duplicate'
    const outcome = await apply(tx, event, fresh)
    await tx.stripeEvent.update({ where: { id: event.id }, data: { outcome } })
    return outcome
  })
}

/**
 * With an API key, the subscription an event is about, as Stripe has it now: the payload is
 * only a hint (events arrive late, twice, out of order, several in one second).
 */
async function readSubscription(event: Stripe.Event): Promise<Fresh> {
  if (!env.STRIPE_SECRET_KEY) return null
  const object = event.data.object as { id?: string; subscription?: string | { id: string } | null }
  const id = event.type.startsWith('customer.subscription.')
    ? object.id
    : event.type === 'checkout.session.completed'
      ? typeof object.subscription === 'string' ? object.subscription : object.subscription?.id
      : undefined
  if (!id) return null
  const readAt = Date.now()
  try {
    return { sub: (await stripe().subscriptions.retrieve(id)) as unknown as StripeSubscriptionLike, readAt }
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return 'missing'
    throw error
  }
}

async function apply(tx: Tx, event: Stripe.Event, fresh: Fresh): Promise<string> {
  switch (event.type) {
    case 'checkout.session.completed':
      return checkoutCompleted(tx, event, event.data.object, fresh)
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      if (fresh === 'missing') return 'ignored: unknown to Stripe'
      return fresh
        ? subscriptionChanged(tx, event.type, event.created, fresh.sub, fresh.readAt)
        : subscriptionChanged(tx, event.type, event.created, event.data.object as unknown as StripeSubscriptionLike, null)
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return invoiceSettled(tx, event.type, event.created, event.data.object)
    default:
      return 'ignored'
  }
}

/** Finds the user a Stripe object belongs to: the id we put in its metadata, else its customer. */
async function userFor(tx: Tx, metadataUserId: string | undefined, customer: string | null): Promise<string | null> {
  if (metadataUserId && UUID.safeParse(metadataUserId).success) {
    const row = await tx.userSubscription.findUnique({ where: { userId: metadataUserId }, select: { userId: true } })
    if (row) return row.userId
  }
  if (!customer) return null
  return (await tx.userSubscription.findFirst({ where: { stripeCustomerId: customer }, select: { userId: true } }))?.userId ?? null
}

async function checkoutCompleted(tx: Tx, event: Stripe.Event, session: Stripe.Checkout.Session, fresh: Fresh): Promise<string> {
  const userId = session.client_reference_id
  if (!userId || !UUID.safeParse(userId).success) return 'ignored: no client_reference_id'
  const subscriptionId = typeof session.subscription === 'string' ? session.subscription : (session.subscription?.id ?? null)
  const { count } = await tx.userSubscription.updateMany({
    where: { userId },
    data: { stripeCustomerId: customerId(session.customer), ...(subscriptionId ? { stripeSubscriptionId: subscriptionId } : {}) },
  })
  if (count === 0) return 'ignored: unknown user'
  // With a key, the subscription's current state applies now rather than with its own event.
  if (fresh && fresh !== 'missing') return subscriptionChanged(tx, 'customer.subscription.updated', event.created, fresh.sub, fresh.readAt)
  return 'linked'
}

/** Applies a subscription's state: from Stripe's API (`readAt` set) or from an event's payload. */
async function subscriptionChanged(tx: Tx, type: SubscriptionEventType, created: number, sub: StripeSubscriptionLike, readAt: number | null): Promise<string> {
  const userId = await userFor(tx, sub.metadata?.user_id, customerId(sub.customer))
  if (!userId) return 'ignored: unknown customer'
  const [current] = await tx.$queryRaw<{ created: bigint | null; rank: number | null; subscription: string | null; status: string; synced: Date | null }[]>`
    select stripe_event_created as created, stripe_event_rank as rank, stripe_subscription_id as subscription, status, stripe_synced_at as synced
      from public.user_subscriptions where user_id = ${userId}::uuid for update`
  // Read from Stripe, the status says whether it is over, whatever event brought it.
  const effective: SubscriptionEventType = readAt !== null && ENDED_STATUSES.has(sub.status) ? 'customer.subscription.deleted' : type
  const stamp = { created, rank: EVENT_RANK[type] }
  const verdict = subscriptionVerdict({
    subscriptionId: sub.id,
    ended: effective === 'customer.subscription.deleted',
    stamp,
    readAt,
    current: {
      subscriptionId: current?.subscription ?? null,
      status: current?.status ?? '',
      applied: current?.created != null ? { created: Number(current.created), rank: current.rank ?? 0 } : null,
      syncedAt: current?.synced?.getTime() ?? null,
    },
  })
  if (verdict === 'other_subscription') return 'ignored: not the current subscription'
  if (verdict !== 'apply') return verdict
  const state = stateFromSubscription(effective, sub, planForPrice)
  // A deleted subscription's period is over: the free plan starts a month of its own.
  const period = state.period ?? (effective === 'customer.subscription.deleted' ? { start: new Date(), end: new Date(Date.now() + 30 * 86_400_000) } : undefined)
  await applyPlan(userId, state.planId, { period, status: state.status, stripeCustomerId: customerId(sub.customer), stripeSubscriptionId: sub.id }, tx)
  // The event stamp only moves forward, so a later payload-only delivery still compares right.
  const applied = current?.created != null ? { created: Number(current.created), rank: current.rank ?? 0 } : null
  const next = isNewer(stamp, applied) ? stamp : applied!
  await tx.userSubscription.update({
    where: { userId },
    data: {
      stripePriceId: state.priceId,
      cancelAtPeriodEnd: state.cancelAtPeriodEnd,
      stripeEventCreated: BigInt(next.created),
      stripeEventRank: next.rank,
      ...(readAt !== null ? { stripeSyncedAt: new Date(readAt) } : {}),
    },
  })
  return `applied: ${state.planId} ${state.status}`
}

async function invoiceSettled(tx: Tx, type: 'invoice.paid' | 'invoice.payment_failed', created: number, invoice: Stripe.Invoice): Promise<string> {
  const userId = await userFor(tx, undefined, customerId(invoice.customer))
  // What Stripe was paid is revenue whatever the subscription's state (stale event included).
  if (type === 'invoice.paid') await recordPaidInvoice(tx, invoice, userId, created)
  if (!userId) return 'ignored: unknown customer'
  const [sub] = await tx.$queryRaw<{ status: string; period_start: Date; created: bigint | null; rank: number | null }[]>`
    select status, billing_period_start as period_start, stripe_event_created as created, stripe_event_rank as rank
      from public.user_subscriptions where user_id = ${userId}::uuid for update`
  const applied = sub.created != null ? { created: Number(sub.created), rank: sub.rank ?? 0 } : null
  if (!isNewer({ created, rank: 1 }, applied)) return 'stale'
  if (type === 'invoice.paid') {
    if (sub.status !== 'past_due') return 'noted'
    await tx.userSubscription.update({ where: { userId }, data: { status: 'active', stripeEventCreated: BigInt(created), stripeEventRank: 1 } })
    return 'applied: active'
  }
  await tx.userSubscription.update({ where: { userId }, data: { status: 'past_due', stripeEventCreated: BigInt(created), stripeEventRank: 1 } })
  await tx.$executeRaw`
    insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
    values (${userId}::uuid, 'billing', null, 100, ${sub.period_start}, 0, 0,
            'Your last payment failed. Update your payment method in Manage billing to keep your plan.')
    on conflict do nothing`
  return 'applied: past_due'
}
