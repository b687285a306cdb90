import 'server-only'
import { createHmac, randomBytes } from 'node:crypto'
import { db } from '@/lib/db/prisma'
import { parsePublicHttpsUrl, postToPublicUrl, resolvePublicAddresses, type NetworkPolicy } from '@/lib/net/public-https'

// Usage alerts are POSTed to the user's webhook as signed JSON, from an outbox filled in the
// same transaction that raised the alert. Delivery runs beside the gateway, never in it: a
// slow or failing receiver can delay only its own alerts.
//
// The URL is the user's own (Settings → Usage & Costs): it must be https and resolve only to
// public addresses, when saved and again at every send, and the request connects to the
// addresses just checked (lib/net/public-https.ts), so it cannot be turned on this server's
// own network, even by a DNS answer that changes between the check and the send.

/** A delivery is given up after this many attempts (an operator may re-queue it: lib/admin/deliveries.ts). */
export const MAX_ATTEMPTS = 8
const BATCH = 20
const TIMEOUT_MS = 5_000
/** How long a claimed row may be in flight. lib/admin/deliveries.ts derives a claim's time from it and the backoff below: change them together. */
export const LEASE_SECONDS = (BATCH * TIMEOUT_MS) / 1000 + 60

type Due = {
  id: string
  url: string
  attempts: number
  secret: string | null
  alert_id: string
  user_id: string
  alert_type: string
  service_type: string | null
  threshold_percent: number
  current_value: string
  limit_value: string
  message: string
  period_start: Date
  created_at: Date
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe signs its webhooks. */
export function signAlert(body: string, secret: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`
}

export type AlertWebhook = { url: string | null; secret: string | null }

/**
 * Sets (or with null, removes) where `userId`'s alerts are POSTed, after checking the URL is
 * https and resolves only to public addresses; throws UnsafeUrlError with a sentence for the
 * user otherwise. A new URL gets a new signing secret (the receiver verifies with it); saving
 * the same URL again keeps the secret. Privileged: users may not write their subscription row.
 */
export async function setAlertWebhook(userId: string, urlText: string | null, policy?: NetworkPolicy): Promise<AlertWebhook> {
  if (urlText === null) {
    await db().userSubscription.update({ where: { userId }, data: { alertWebhookUrl: null, alertWebhookSecret: null } })
    return { url: null, secret: null }
  }
  const url = parsePublicHttpsUrl(urlText)
  await resolvePublicAddresses(url, policy)
  const current = await db().userSubscription.findUniqueOrThrow({ where: { userId }, select: { alertWebhookUrl: true, alertWebhookSecret: true } })
  const secret = current.alertWebhookUrl === url.href && current.alertWebhookSecret ? current.alertWebhookSecret : `whsec_${randomBytes(24).toString('base64url')}`
  await db().userSubscription.update({ where: { userId }, data: { alertWebhookUrl: url.href, alertWebhookSecret: secret } })
  return { url: url.href, secret }
}

/**
 * Sends the deliveries that are due. Claiming a row pushes its next attempt into the future
 * (backoff doubling from 30 s), which is also a lease: instances racing here skip rows
 * another has locked, and a crashed sender's rows come due again.
 */
export async function deliverDueAlerts(policy?: NetworkPolicy): Promise<{ delivered: number; failed: number }> {
  const due = await db().$queryRaw<Due[]>`
    with claimed as (
      update public.usage_alert_deliveries d
         set attempts = d.attempts + 1,
             -- The lease outlasts the longest batch (BATCH × TIMEOUT_MS), so no other run
             -- re-claims a row while this one is still sending it.
             next_attempt_at = now() + make_interval(secs => greatest(${LEASE_SECONDS}::int, least(3600, 30 * power(2, d.attempts))))
       where d.id in (
         select id from public.usage_alert_deliveries
          where delivered_at is null and next_attempt_at <= now() and attempts < ${MAX_ATTEMPTS}
          order by next_attempt_at
          limit ${BATCH}
          for update skip locked)
      returning d.*
    )
    select c.id::text, c.url, c.attempts, s.alert_webhook_secret as secret, a.id::text as alert_id, a.user_id::text,
           a.alert_type, a.service_type, a.threshold_percent, a.current_value::text, a.limit_value::text, a.message,
           a.period_start, a.created_at
      from claimed c
      join public.usage_alerts a on a.id = c.alert_id
      left join public.user_subscriptions s on s.user_id = a.user_id`
  let delivered = 0
  for (const d of due) {
    const body = JSON.stringify({
      id: d.alert_id,
      type: 'usage_alert.created',
      created_at: d.created_at.toISOString(),
      data: {
        user_id: d.user_id,
        alert_type: d.alert_type,
        service_type: d.service_type,
        threshold_percent: d.threshold_percent,
        current_value: d.current_value,
        limit_value: d.limit_value,
        message: d.message,
        period_start: d.period_start.toISOString(),
      },
    })
    let error: string | null = null
    try {
      // Checked again here, not only when saved: the name may resolve elsewhere by now.
      const status = await postToPublicUrl(d.url, {
        headers: { 'content-type': 'application/json', 'user-agent': 'Tollgate-Webhooks/1', ...(d.secret ? { 'tollgate-signature': signAlert(body, d.secret) } : {}) },
        body,
        timeoutMs: TIMEOUT_MS,
        policy,
      })
      if (status < 200 || status > 299) error = `HTTP ${status}`
    } catch (e) {
      error = (e as Error).message.slice(0, 300)
    }
    if (error === null) delivered++
    await db().usageAlertDelivery.update({
      where: { id: d.id },
      data: error === null ? { deliveredAt: new Date(), lastError: null } : { lastError: `attempt ${d.attempts}: ${error}` },
    })
  }
  return { delivered, failed: due.length - delivered }
}

let timer: NodeJS.Timeout | undefined
let running = false
/** Runs deliveries every few seconds in this process, one run at a time; failures are logged and retried later. */
export function startAlertDelivery(intervalMs = 5_000): void {
  if (timer) return
  timer = setInterval(() => {
    if (running) return
    running = true
    deliverDueAlerts()
      .catch((e) => console.error(`[alerts] delivery run failed: ${(e as Error).message}`))
      .finally(() => (running = false))
  }, intervalMs)
  timer.unref()
}
