import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EVENT_RANK, isNewer, stateFromSubscription, type StripeSubscriptionLike, type SubscriptionEventType, type SubscriptionState } from '@/lib/billing/subscription-events'

const plans = (price: string | null) => (price === 'price_pro' ? 'pro' : price === 'price_business' ? 'business' : null)

type LifecycleEvent = { id: string; type: SubscriptionEventType; created: number; sub: StripeSubscriptionLike }

function sub(status: string, price: string, extra: Partial<StripeSubscriptionLike> = {}): StripeSubscriptionLike {
  return { id: 'sub_1', status, customer: 'cus_1', items: { data: [{ price: { id: price }, current_period_start: 1_790_000_000, current_period_end: 1_792_592_000 }] }, ...extra }
}

// One subscription's life: created, upgraded, a failed payment, recovered, set to cancel, deleted.
// Several events share a second, as Stripe's do.
const LIFE: LifecycleEvent[] = [
  { id: 'evt_1', type: 'customer.subscription.created', created: 100, sub: sub('incomplete', 'price_pro') },
  { id: 'evt_2', type: 'customer.subscription.updated', created: 100, sub: sub('active', 'price_pro') },
  { id: 'evt_3', type: 'customer.subscription.updated', created: 200, sub: sub('active', 'price_business') },
  { id: 'evt_4', type: 'customer.subscription.updated', created: 300, sub: sub('past_due', 'price_business') },
  { id: 'evt_5', type: 'customer.subscription.updated', created: 400, sub: sub('active', 'price_business', { cancel_at_period_end: true }) },
  { id: 'evt_6', type: 'customer.subscription.deleted', created: 400, sub: sub('canceled', 'price_business') },
]

/** What the webhook does with a stream of events: apply each only if newer than the last applied. */
function replay(events: LifecycleEvent[]): SubscriptionState | null {
  let state: SubscriptionState | null = null
  let applied: { created: number; rank: number } | null = null
  for (const e of events) {
    const stamp = { created: e.created, rank: EVENT_RANK[e.type] }
    if (!isNewer(stamp, applied)) continue
    state = stateFromSubscription(e.type, e.sub, plans)
    applied = stamp
  }
  return state
}

describe('subscription events', () => {
  it('property: any of a thousand orderings (with replays) ends in the state of the newest event', () => {
    const newest = stateFromSubscription(LIFE[5].type, LIFE[5].sub, plans)
    expect(newest).toMatchObject({ planId: 'free', status: 'canceled' })
    fc.assert(
      fc.property(
        fc.shuffledSubarray(LIFE, { minLength: LIFE.length, maxLength: LIFE.length }),
        fc.array(fc.tuple(fc.constantFrom(...LIFE), fc.nat()), { maxLength: 4 }),
        (order, replays) => {
          // Stripe's retries: some events again, at random places in the stream.
          const events = [...order]
          for (const [event, at] of replays) events.splice(at % (events.length + 1), 0, event)
          expect(replay(events)).toEqual(newest)
        },
      ),
      { numRuns: 1_000 },
    )
  })

  it('a late `updated` never undoes a `deleted`, even in the same second', () => {
    expect(replay([LIFE[5], LIFE[4]])).toMatchObject({ planId: 'free', status: 'canceled' })
    expect(replay([LIFE[4], LIFE[5]])).toMatchObject({ planId: 'free', status: 'canceled' })
  })

  it('maps prices to plans, Stripe statuses to ours, and reads the period from the item', () => {
    expect(stateFromSubscription('customer.subscription.updated', sub('past_due', 'price_pro'), plans)).toEqual({
      planId: 'pro',
      status: 'past_due',
      priceId: 'price_pro',
      period: { start: new Date(1_790_000_000_000), end: new Date(1_792_592_000_000) },
      cancelAtPeriodEnd: false,
    })
    expect(stateFromSubscription('customer.subscription.updated', sub('incomplete_expired', 'price_unknown'), plans)).toMatchObject({ planId: 'free', status: 'canceled' })
  })
})
