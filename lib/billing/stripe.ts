import 'server-only'
import Stripe from 'stripe'
import { env } from '@/lib/env'
import type { PlanId } from '@/lib/billing/plans'

/** Checkout and the portal need a key and at least one paid plan's price. */
export const billingConfigured = Boolean(env.STRIPE_SECRET_KEY && (env.STRIPE_PRICE_PRO || env.STRIPE_PRICE_BUSINESS))

const PRICES: Partial<Record<PlanId, string>> = { pro: env.STRIPE_PRICE_PRO, business: env.STRIPE_PRICE_BUSINESS }

export function priceForPlan(plan: PlanId): string | null {
  return PRICES[plan] ?? null
}

export function planForPrice(priceId: string | null): PlanId | null {
  if (!priceId) return null
  return (Object.entries(PRICES).find(([, price]) => price === priceId)?.[0] as PlanId | undefined) ?? null
}

let client: Stripe | undefined

/**
 * The Stripe client. Verifying webhooks needs no API key, so it exists without one; API calls
 * are made only when STRIPE_SECRET_KEY is set. STRIPE_API_BASE points it elsewhere (a local
 * fake in tests).
 */
export function stripe(): Stripe {
  if (!client) {
    const base = env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : null
    client = new Stripe(env.STRIPE_SECRET_KEY ?? 'sk_unset_webhook_verification_only', {
      maxNetworkRetries: 2,
      timeout: 10_000,
      telemetry: false,
      ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol.replace(':', '') as 'http' | 'https' } : {}),
    })
  }
  return client
}
