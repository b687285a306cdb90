import 'server-only'
import Stripe from 'stripe'
import { env } from '@/lib/env'
import { getPlan, type PlanId } from '@/lib/billing/plans'
import { pool } from '@/lib/db/prisma'

/**
 * Checkout and the portal need a key; which plans are sold is per plan (its Stripe price in
 * public.plans, or STRIPE_PRICE_PRO/BUSINESS), so a deployment may set its prices in the console.
 */
export const billingConfigured = Boolean(env.STRIPE_SECRET_KEY)

// STRIPE_PRICE_PRO / STRIPE_PRICE_BUSINESS: the seed's paid plans' prices for a deployment that
// has not set them in the catalog. A plan's own stripe_price_id (public.plans) wins.
// (A Map: a plan id like 'constructor' must not find an inherited property.)
const ENV_PRICES = new Map<PlanId, string | undefined>([['pro', env.STRIPE_PRICE_PRO], ['business', env.STRIPE_PRICE_BUSINESS]])

/** The Stripe price `plan` is sold at; null when it is not sold through Stripe. */
export async function priceForPlan(plan: PlanId): Promise<string | null> {
  const own = await getPlan(plan)
  if (!own) return null
  return own.stripePriceId ?? ENV_PRICES.get(plan) ?? null
}

/** The plan a Stripe price sells: the catalog (read now, not cached), then the environment's two. */
export async function planForPrice(priceId: string | null): Promise<PlanId | null> {
  if (!priceId) return null
  const rows = (await pool().query<{ id: string; stripe_price_id: string | null }>(
    `select id, stripe_price_id from public.plans where stripe_price_id = $1 or id in ('pro', 'business')`, [priceId])).rows
  const own = rows.find((r) => r.stripe_price_id === priceId)
  if (own) return own.id
  // An environment price counts for its plan only while the catalog gives that plan no price of its own.
  const byEnv = [...ENV_PRICES].find(([id, price]) => price === priceId && rows.some((r) => r.id === id && r.stripe_price_id === null))
  return byEnv?.[0] ?? null
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
