// POST /api/stripe/webhook — Stripe events, verified on the raw body, applied exactly once.
import { handleStripeEvent } from '@/lib/billing/webhook'
import { stripe } from '@/lib/billing/stripe'
import { env } from '@/lib/env'
import { BODY_LIMITS, BodyReadError, readTextCapped } from '@/lib/http/body'
import { jsonError } from '@/lib/http/json'

// Stripe's default tolerance: a signature older than this is a replay, not a delivery.
const TOLERANCE_SECONDS = 300

export async function POST(request: Request) {
  if (!env.STRIPE_WEBHOOK_SECRET) return jsonError(400, 'webhooks_not_configured', 'Set STRIPE_WEBHOOK_SECRET to receive Stripe webhooks')
  let payload: string
  try {
    payload = await readTextCapped(request, BODY_LIMITS.webhook)
  } catch (error) {
    if (error instanceof BodyReadError && error.reason === 'too_large') return jsonError(413, 'payload_too_large', error.message)
    return jsonError(400, 'invalid_request', 'Could not read the request body')
  }
  let event
  try {
    event = stripe().webhooks.constructEvent(payload, request.headers.get('stripe-signature') ?? '', env.STRIPE_WEBHOOK_SECRET, TOLERANCE_SECONDS)
  } catch (error) {
    return jsonError(400, 'invalid_signature', `Webhook signature verification failed: ${(error as Error).message}`)
  }
  try {
    return Response.json({ received: true, outcome: await handleStripeEvent(event) })
  } catch (error) {
    // Not recorded: Stripe will deliver it again.
    console.error(`[stripe] ${event.id} (${event.type}) failed:`, error)
    return jsonError(500, 'processing_failed', 'The event could not be applied; Stripe will retry it')
  }
}
