// Alert webhooks against the real database and a local receiver: signed, delivered once,
// retried with backoff when the receiver fails.
import { createHmac, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { deliverDueAlerts } from '@/lib/usage/alert-webhooks'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

type Received = { body: string; signature: string | undefined }
const received: Received[] = []
let failNext = 0
let receiver: ReturnType<typeof createServer>
let receiverUrl: string

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    if (failNext > 0) {
      failNext--
      res.writeHead(503).end()
      return
    }
    received.push({ body, signature: req.headers['tollgate-signature'] as string | undefined })
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`
})
afterAll(async () => {
  await closeDatabase()
  await new Promise((r) => receiver.close(r))
})

const url = () => process.env.DATABASE_URL!

async function paidUserWithWebhook(secret: string): Promise<string> {
  return withClient(url(), async (c) => {
    const id = await insertUser(c)
    await c.query(
      `update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 2, enforcement_mode = 'hard',
              alert_webhook_url = $2, alert_webhook_secret = $3 where user_id = $1`,
      [id, receiverUrl, secret],
    )
    return id
  })
}

async function settleChat(userId: string) {
  await withClient(url(), (c) =>
    c.query('select public.record_usage($1::jsonb)', [
      JSON.stringify({ user_id: userId, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: '0', input_cost: '0', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
    ]),
  )
}

describe('alert webhooks', () => {
  it('delivers each alert once, signed with the user\'s secret', async () => {
    const secret = 'whsec_test_secret'
    const user = await paidUserWithWebhook(secret)
    await settleChat(user) // 1 of 2: 50 %
    await settleChat(user) // 2 of 2: 80 % and 100 %
    received.length = 0
    expect(await deliverDueAlerts()).toEqual({ delivered: 3, failed: 0 })
    expect(await deliverDueAlerts()).toEqual({ delivered: 0, failed: 0 })
    expect(received.map((r) => JSON.parse(r.body).data.threshold_percent).sort()).toEqual([100, 50, 80])
    for (const r of received) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature ?? '') ?? []
      expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex'))
      expect(JSON.parse(r.body)).toMatchObject({ type: 'usage_alert.created', data: { user_id: user, alert_type: 'quota', service_type: 'chat' } })
    }
  })

  it('retries a failed delivery later, recording why it failed', async () => {
    const user = await paidUserWithWebhook('whsec_retry')
    await settleChat(user)
    received.length = 0
    failNext = 1
    expect(await deliverDueAlerts()).toEqual({ delivered: 0, failed: 1 })
    const [row] = await withClient(url(), async (c) =>
      (await c.query(`select d.attempts, d.last_error, d.next_attempt_at > now() + interval '150 seconds' as backed_off from public.usage_alert_deliveries d join public.usage_alerts a on a.id = d.alert_id where a.user_id = $1`, [user])).rows,
    )
    expect(row).toEqual({ attempts: 1, last_error: 'attempt 1: HTTP 503', backed_off: true })
    // Not due yet: nothing is sent. Once due, it goes through.
    expect(await deliverDueAlerts()).toEqual({ delivered: 0, failed: 0 })
    await withClient(url(), (c) => c.query(`update public.usage_alert_deliveries set next_attempt_at = now() where alert_id in (select id from public.usage_alerts where user_id = $1)`, [user]))
    expect(await deliverDueAlerts()).toEqual({ delivered: 1, failed: 0 })
    expect(received).toHaveLength(1)
  })
})
