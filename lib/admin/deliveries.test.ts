// Deliveries against the real database and a local https receiver: alert deliveries and Stripe
// events listed by status and page; a failed delivery re-queued (audited) and sent once by the
// real delivery worker; refused for one delivered meanwhile or being sent right now.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '@/lib/admin/actor'
import { listAudit } from '@/lib/admin/audit'
import { listAlertDeliveries, listStripeEvents, retryAlertDelivery } from '@/lib/admin/deliveries'
import { closeDatabase } from '@/lib/db/prisma'
import { classifyAddress } from '@/lib/net/public-address'
import type { NetworkPolicy } from '@/lib/net/public-https'
import { deliverDueAlerts } from '@/lib/usage/alert-webhooks'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const operator: Actor = { kind: 'operator', userId: randomUUID(), email: 'deliveries@example.test' }
const url = () => process.env.DATABASE_URL!
const cert = readFileSync('test/webhook-tls/cert.pem', 'utf8')
const received: string[] = []
let receiver: ReturnType<typeof createServer>
let receiverUrl: string
// The receiver's name resolves to the loopback address it listens on, allowed for this test only.
const policy: NetworkPolicy = {
  resolve: async () => [{ address: '127.0.0.1', family: 4 }],
  ca: cert,
  classify: (a) => (a === '127.0.0.1' ? { public: true } : classifyAddress(a)),
}

beforeAll(async () => {
  receiver = createServer({ cert, key: readFileSync('test/webhook-tls/key.pem', 'utf8') }, async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    received.push(body)
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `https://hooks.example.test:${(receiver.address() as { port: number }).port}/hooks`
})
afterAll(async () => {
  await closeDatabase()
  await new Promise((r) => receiver.close(r))
})

/** An alert and its delivery row in the given state (attempts, last error, next attempt in seconds from now). */
async function delivery(state: { attempts: number; lastError: string | null; nextInSeconds: number; delivered?: boolean }): Promise<{ id: string; userId: string }> {
  return withClient(url(), async (c) => {
    const userId = await insertUser(c)
    const alert = await c.query<{ id: string }>(
      `insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
       values ($1, 'quota', 'chat', 80, now(), 8, 10, '80% of chat used') returning id`,
      [userId],
    )
    const row = await c.query<{ id: string }>(
      `insert into public.usage_alert_deliveries (alert_id, url, attempts, last_error, next_attempt_at, delivered_at)
       values ($1, $2, $3, $4, now() + make_interval(secs => $5), case when $6 then now() end) returning id`,
      [alert.rows[0].id, receiverUrl, state.attempts, state.lastError, state.nextInSeconds, state.delivered ?? false],
    )
    return { id: row.rows[0].id, userId }
  })
}

describe('alert deliveries', () => {
  it('re-queues a given-up delivery for the worker, which sends it once; audited; refused once delivered', async () => {
    const { id, userId } = await delivery({ attempts: 8, lastError: 'attempt 8: HTTP 503', nextInSeconds: -3000 })
    expect((await listAlertDeliveries({ status: 'failed' })).rows.map((r) => r.id)).toContain(id)
    expect(await deliverDueAlerts(policy)).toEqual({ delivered: 0, failed: 0 }) // given up: the worker leaves it

    const queued = await retryAlertDelivery(operator, id)
    expect(queued).toMatchObject({ status: 'retrying', attempts: 7, in_flight: false })
    const [entry] = await listAudit({ targetUserId: userId })
    expect(entry).toMatchObject({ actor: 'operator:deliveries@example.test', action: 'alert_delivery.retry', before: { status: 'failed', attempts: 8 }, after: { status: 'retrying', attempts: 7 } })

    expect(await deliverDueAlerts(policy)).toEqual({ delivered: 1, failed: 0 })
    expect(received).toHaveLength(1)
    await expect(retryAlertDelivery(operator, id)).rejects.toMatchObject({ code: 'conflict', status: 409, message: expect.stringMatching(/delivered at .* not sent again/) })
    expect(await deliverDueAlerts(policy)).toEqual({ delivered: 0, failed: 0 })
    expect(received).toHaveLength(1)
    expect((await listAudit({ targetUserId: userId })).filter((e) => e.action === 'alert_delivery.retry')).toHaveLength(1)
  })

  it('refuses to re-queue one a worker is sending right now, or one that has not failed', async () => {
    // Claimed a moment ago for its 2nd attempt (the worker pushed next_attempt_at by the lease), no outcome yet.
    const sending = await delivery({ attempts: 2, lastError: 'attempt 1: HTTP 500', nextInSeconds: 150 })
    await expect(retryAlertDelivery(operator, sending.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/sending this alert right now/) })
    // Its 2nd attempt finished and failed: now it may be re-queued, due at once.
    await withClient(url(), (c) => c.query(`update public.usage_alert_deliveries set last_error = 'attempt 2: HTTP 500' where id = $1`, [sending.id]))
    const queued = await retryAlertDelivery(operator, sending.id)
    expect(queued).toMatchObject({ status: 'retrying', attempts: 2, in_flight: false })
    expect(new Date(queued.next_attempt_at!).getTime()).toBeLessThanOrEqual(Date.now() + 1000)

    const fresh = await delivery({ attempts: 0, lastError: null, nextInSeconds: 0 })
    await expect(retryAlertDelivery(operator, fresh.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/has not failed/) })
    await expect(retryAlertDelivery(operator, randomUUID())).rejects.toMatchObject({ code: 'not_found' })
  })

  it('pages newest first by keyset and filters by status', async () => {
    await delivery({ attempts: 1, lastError: null, nextInSeconds: 0, delivered: true })
    const all = await listAlertDeliveries({ limit: 200 })
    const first = await listAlertDeliveries({ limit: 2 })
    const second = await listAlertDeliveries({ limit: 2, after: first.next! })
    expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual(all.rows.slice(0, 4).map((r) => r.id))
    expect((await listAlertDeliveries({ status: 'delivered' })).rows.every((r) => r.status === 'delivered')).toBe(true)
    expect((await listAlertDeliveries({ status: 'nonsense' })).rows).toHaveLength(all.rows.length)
  })
})

describe('stripe events', () => {
  it('lists them newest first with their outcome, filtered and paged', async () => {
    await withClient(url(), (c) =>
      c.query(`insert into public.stripe_events (id, type, created_at_stripe, received_at, outcome) values
        ('evt_a', 'checkout.session.completed', now() - interval '3 min', now() - interval '3 min', 'applied: pro active'),
        ('evt_b', 'customer.subscription.updated', now() - interval '2 min', now() - interval '2 min', 'ignored: unknown customer'),
        ('evt_c', 'invoice.payment_failed', now() - interval '1 min', now() - interval '1 min', 'applied: past_due')`),
    )
    const first = await listStripeEvents({ limit: 2 })
    expect(first.rows.map((e) => e.id)).toEqual(['evt_c', 'evt_b'])
    expect((await listStripeEvents({ limit: 2, after: first.next! })).rows.map((e) => e.id)).toEqual(['evt_a'])
    expect((await listStripeEvents({ outcome: 'applied' })).rows.map((e) => e.id)).toEqual(['evt_c', 'evt_a'])
    expect((await listStripeEvents({ outcome: 'ignored' })).rows).toMatchObject([{ id: 'evt_b', outcome: 'ignored: unknown customer', type: 'customer.subscription.updated' }])
  })
})
