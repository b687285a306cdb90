// POST /api/stripe/webhook — Stripe events, verified on the raw body, applied exactly once.
import { handleStripeEvent } from '@/lib/billing/webhook'
import { stripe } from '@/lib/billing/stripe'
import { env } from '@/lib/env'
import { AppError, toAppError } from '@/lib/errors'
import { BODY_LIMITS, readTextCapped } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'

// Stripe's default tolerance: a signature older than this is a replay, not a delivery.
const TOLERANCE_SECONDS = 300

export const POST = apiRoute({ auth: 'none' }, async ({ request }) => {
  if (!env.STRIPE_WEBHOOK_SECRET) throw new AppError('webhooks_not_configured', 'Set STRIPE_WEBHOOK_SECRET to receive Stripe webhooks')
  // The signature covers the exact bytes: read as text, never parsed before it is verified.
  const payload = await readTextCapped(request, BODY_LIMITS.webhook)
  let event
  try {
    event = stripe().webhooks.constructEvent(payload, request.headers.get('stripe-signature') ?? '', env.STRIPE_WEBHOOK_SECRET, TOLERANCE_SECONDS)
  } catch (error) {
    throw new AppError('invalid_signature', `Webhook signature verification failed: ${(error as Error).message}`)
  }
  try {
    return Response.json({ received: true, outcome: await handleStripeEvent(event) })
  } catch (thrown) {
    // Not recorded: Stripe will deliver it again (an unavailable database is its own 503).
    const error = toAppError(thrown)
    if (error.code !== 'internal_error') throw error
    console.error(`[stripe] ${event.id} (${event.type}) failed:`, thrown)
    throw new AppError('processing_failed', 'The event could not be applied; Stripe will retry it')
  }
})
