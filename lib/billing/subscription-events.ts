// How Stripe subscription events become a subscription state, as pure functions. Stripe
// retries and reorders webhooks; the rule that keeps the state right is: an event is applied
// only if it is newer than the last one applied to that subscription — by its `created` time,
// then, within one second, by the lifecycle order created < updated < deleted. A deleted
// subscription is final: nothing after it revives it.
import type { PlanId } from '@/lib/billing/plans'

export type SubscriptionEventType = 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted'

export const EVENT_RANK: Record<SubscriptionEventType, number> = {
  'customer.subscription.created': 0,
  'customer.subscription.updated': 1,
  'customer.subscription.deleted': 2,
}

export type Stamp = { created: number; rank: number }

export function isNewer(event: Stamp, applied: Stamp | null): boolean {
  if (!applied) return true
  return event.created > applied.created || (event.created === applied.created && event.rank > applied.rank)
}

/** The parts of a Stripe Subscription object this app reads (API versions 2025+: periods live on items). */
export type StripeSubscriptionLike = {
  id: string
  status: string
  customer: string | { id: string }
  cancel_at_period_end?: boolean
  metadata?: Record<string, string> | null
  current_period_start?: number
  current_period_end?: number
  items?: { data: { price?: { id: string } | null; current_period_start?: number; current_period_end?: number }[] }
}

export type SubscriptionState = {
  planId: PlanId
  status: 'active' | 'trialing' | 'past_due' | 'canceled' | 'incomplete' | 'unpaid' | 'paused'
  priceId: string | null
  period: { start: Date; end: Date } | null
  cancelAtPeriodEnd: boolean
}

const STATUS: Record<string, SubscriptionState['status']> = {
  active: 'active',
  trialing: 'trialing',
  past_due: 'past_due',
  unpaid: 'unpaid',
  canceled: 'canceled',
  incomplete: 'incomplete',
  incomplete_expired: 'canceled',
  paused: 'paused',
}

/**
 * The state a subscription event describes. A deleted subscription returns the user to the
 * free plan (its period ended: Stripe sends `deleted` at the end of a period it cancels).
 */
export function stateFromSubscription(
  type: SubscriptionEventType,
  sub: StripeSubscriptionLike,
  planForPrice: (priceId: string | null) => PlanId | null,
): SubscriptionState {
  const item = sub.items?.data[0]
  const priceId = item?.price?.id ?? null
  const start = item?.current_period_start ?? sub.current_period_start
  const end = item?.current_period_end ?? sub.current_period_end
  if (type === 'customer.subscription.deleted') {
    return { planId: 'free', status: 'canceled', priceId, period: null, cancelAtPeriodEnd: false }
  }
  return {
    planId: planForPrice(priceId) ?? 'free',
    status: STATUS[sub.status] ?? 'incomplete',
    priceId,
    period: start && end && end > start ? { start: new Date(start * 1000), end: new Date(end * 1000) } : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
  }
}

/** Stripe statuses after which a subscription is over: it gives no plan. */
export const ENDED_STATUSES = new Set(['canceled', 'incomplete_expired'])

export type SubscriptionVerdict = 'apply' | 'stale' | 'unchanged' | 'other_subscription'

/**
 * Whether a subscription's state (from an event, or read from Stripe at `readAt` ms) replaces
 * what the user has. Rules, in order:
 * - the end of a subscription other than the user's current one changes nothing (an old
 *   subscription's `deleted` must not downgrade a user who has since subscribed again);
 * - a state read from Stripe is applied unless a later read was applied already (two
 *   deliveries handled at once); a payload only if its event is newer (isNewer);
 * - the end of the current subscription, already applied, is not applied again (it would
 *   restart the free period).
 */
export function subscriptionVerdict(input: {
  subscriptionId: string
  ended: boolean
  stamp: Stamp
  readAt: number | null
  current: { subscriptionId: string | null; status: string; applied: Stamp | null; syncedAt: number | null }
}): SubscriptionVerdict {
  const { current } = input
  if (input.ended && current.subscriptionId !== null && current.subscriptionId !== input.subscriptionId) return 'other_subscription'
  if (input.readAt !== null ? current.syncedAt !== null && input.readAt <= current.syncedAt : !isNewer(input.stamp, current.applied)) return 'stale'
  if (input.ended && current.status === 'canceled' && current.subscriptionId === input.subscriptionId) return 'unchanged'
  return 'apply'
}
