import 'server-only'
import type { AuthUser } from '@/lib/auth/types'
import { billingConfigured, priceForPlan, stripe } from '@/lib/billing/stripe'
import type { PlanId } from '@/lib/billing/plans'
import { db } from '@/lib/db/prisma'
import { appUrl } from '@/lib/env'

export const BILLING_OFF = 'Billing is not configured on this deployment: plans are changed by an operator.'

export type BillingRedirect = { ok: true; url: string } | { ok: false; error: string }

/**
 * The user's Stripe customer, created once. The idempotency key makes two racing first
 * upgrades create one customer, and the id is stored only where none is stored yet.
 */
async function ensureCustomer(user: AuthUser): Promise<string> {
  const sub = await db().userSubscription.findUniqueOrThrow({ where: { userId: user.id }, select: { stripeCustomerId: true } })
  if (sub.stripeCustomerId) return sub.stripeCustomerId
  const customer = await stripe().customers.create(
    { email: user.email, name: user.displayName ?? undefined, metadata: { user_id: user.id } },
    { idempotencyKey: `tollgate-customer-${user.id}` },
  )
  await db().userSubscription.updateMany({ where: { userId: user.id, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } })
  return (await db().userSubscription.findUniqueOrThrow({ where: { userId: user.id }, select: { stripeCustomerId: true } })).stripeCustomerId!
}

// Return links are built from APP_URL alone: a request's Host or X-Forwarded-Host is the
// caller's to choose, and must not send a paying user to another site.

/** A Stripe Checkout Session (subscription mode) for `plan`; the webhook applies the result. */
export async function createCheckoutSession(user: AuthUser, plan: PlanId): Promise<BillingRedirect> {
  if (!billingConfigured) return { ok: false, error: BILLING_OFF }
  const price = await priceForPlan(plan)
  if (!price) return { ok: false, error: `The ${plan} plan is not sold on this deployment.` }
  const session = await stripe().checkout.sessions.create({
    mode: 'subscription',
    customer: await ensureCustomer(user),
    client_reference_id: user.id,
    line_items: [{ price, quantity: 1 }],
    // Carried onto the subscription, so its events find the user even before checkout's does.
    subscription_data: { metadata: { user_id: user.id } },
    success_url: `${appUrl}/settings/usage?upgraded=1`,
    cancel_url: `${appUrl}/settings/account`,
  })
  return session.url ? { ok: true, url: session.url } : { ok: false, error: 'Stripe did not return a checkout page' }
}

/** The Stripe Customer Portal for a user who has a Stripe customer. */
export async function createPortalSession(user: AuthUser): Promise<BillingRedirect> {
  if (!billingConfigured) return { ok: false, error: BILLING_OFF }
  const sub = await db().userSubscription.findUnique({ where: { userId: user.id }, select: { stripeCustomerId: true } })
  if (!sub?.stripeCustomerId) return { ok: false, error: 'There is no billing account yet: upgrade first.' }
  const portal = await stripe().billingPortal.sessions.create({ customer: sub.stripeCustomerId, return_url: `${appUrl}/settings/account` })
  return { ok: true, url: portal.url }
}
