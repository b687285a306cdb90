// Alert webhooks against the real database and a local https receiver: signed, delivered
// once, retried with backoff when the receiver fails; and never sent to a URL that is not
// https or that resolves to anything but public addresses, when saved or when sent (DNS is
// played by an injected resolver, so a rebinding answer can be staged).
import { createHmac, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { classifyAddress } from '@/lib/net/public-address'
import type { NetworkPolicy, ResolvedAddress } from '@/lib/net/public-https'
import { deliverDueAlerts, setAlertWebhook } from '@/lib/usage/alert-webhooks'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

type Received = { body: string; signature: string | undefined; host: string | undefined; servername: string | undefined }
const received: Received[] = []
let failNext = 0
let receiver: ReturnType<typeof createServer>
let receiverUrl: string
const cert = readFileSync('test/webhook-tls/cert.pem', 'utf8')

// The receiver's name resolves (here) to the loopback address it listens on. The default rule
// refuses loopback, rightly; these tests of delivery itself allow exactly that one address.
const answers = new Map<string, ResolvedAddress[]>([['hooks.example.test', [{ address: '127.0.0.1', family: 4 }]]])
let lookups = 0
const resolve = async (hostname: string) => {
  lookups++
  const found = answers.get(hostname)
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
  return found
}
const localReceiver: NetworkPolicy = { resolve, ca: cert, classify: (a) => (a === '127.0.0.1' ? { public: true } : classifyAddress(a)) }

beforeAll(async () => {
  receiver = createServer({ cert, key: readFileSync('test/webhook-tls/key.pem', 'utf8') }, async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    if (failNext > 0) {
      failNext--
      res.writeHead(503).end()
      return
    }
    const servername = (req.socket as { servername?: string }).servername
    received.push({ body, signature: req.headers['tollgate-signature'] as string | undefined, host: req.headers.host, servername })
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `https://hooks.example.test:${(receiver.address() as { port: number }).port}/hooks`
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
    lookups = 0
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 3, failed: 0 })
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 0, failed: 0 })
    // One lookup per send, checked and then used: the socket never resolves the name again
    // (the system resolver does not know hooks.example.test, so it could not have).
    expect(lookups).toBe(3)
    expect(received.map((r) => JSON.parse(r.body).data.threshold_percent).sort()).toEqual([100, 50, 80])
    for (const r of received) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature ?? '') ?? []
      expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex'))
      expect(JSON.parse(r.body)).toMatchObject({ type: 'usage_alert.created', data: { user_id: user, alert_type: 'quota', service_type: 'chat' } })
      // Connected to the checked address, yet TLS and HTTP speak the URL's own name.
      expect(r.servername).toBe('hooks.example.test')
      expect(r.host).toBe(new URL(receiverUrl).host)
    }
  })

  it('retries a failed delivery later, recording why it failed', async () => {
    const user = await paidUserWithWebhook('whsec_retry')
    await settleChat(user)
    received.length = 0
    failNext = 1
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 0, failed: 1 })
    const [row] = await withClient(url(), async (c) =>
      (await c.query(`select d.attempts, d.last_error, d.next_attempt_at > now() + interval '150 seconds' as backed_off from public.usage_alert_deliveries d join public.usage_alerts a on a.id = d.alert_id where a.user_id = $1`, [user])).rows,
    )
    expect(row).toEqual({ attempts: 1, last_error: 'attempt 1: HTTP 503', backed_off: true })
    // Not due yet: nothing is sent. Once due, it goes through.
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 0, failed: 0 })
    await withClient(url(), (c) => c.query(`update public.usage_alert_deliveries set next_attempt_at = now() where alert_id in (select id from public.usage_alerts where user_id = $1)`, [user]))
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 1, failed: 0 })
    expect(received).toHaveLength(1)
  })
})

describe('the user\'s alert webhook URL', () => {
  answers.set('public.example.test', [{ address: '93.184.215.14', family: 4 }])
  answers.set('intranet.example.test', [{ address: '10.0.0.7', family: 4 }])
  answers.set('mixed.example.test', [{ address: '93.184.215.14', family: 4 }, { address: '::1', family: 6 }])
  answers.set('metadata.example.test', [{ address: '::ffff:169.254.169.254', family: 6 }])
  const policy: NetworkPolicy = { resolve }
  const stored = async (user: string) =>
    withClient(url(), async (c) => (await c.query('select alert_webhook_url as url, alert_webhook_secret as secret from public.user_subscriptions where user_id = $1', [user])).rows[0])

  it.each([
    ['http://public.example.test/hooks', 'The URL must start with https://'],
    ['ftp://public.example.test/', 'The URL must start with https://'],
    ['not a url', 'That is not a URL'],
    ['https://user:pw@public.example.test/', 'The URL must not contain a user name or password'],
    ['https://intranet.example.test/hooks', 'intranet.example.test resolves to 10.0.0.7, a private address; only public addresses are allowed'],
    ['https://mixed.example.test/hooks', 'mixed.example.test resolves to ::1, a loopback address; only public addresses are allowed'],
    ['https://metadata.example.test/', 'metadata.example.test resolves to ::ffff:169.254.169.254, a link-local address (as an IPv4-mapped IPv6 address); only public addresses are allowed'],
    ['https://127.0.0.1/hooks', '127.0.0.1 is a loopback address; only public addresses are allowed'],
    ['https://2130706433/hooks', '127.0.0.1 is a loopback address; only public addresses are allowed'],
    ['https://[::ffff:7f00:1]/hooks', '::ffff:7f00:1 is a loopback address (as an IPv4-mapped IPv6 address); only public addresses are allowed'],
    ['https://[fd00::1]/hooks', 'fd00::1 is a unique-local address; only public addresses are allowed'],
    ['https://nowhere.example.test/hooks', 'nowhere.example.test could not be resolved (ENOTFOUND)'],
  ])('refuses %s when it is saved: %s', async (text, message) => {
    const user = await withClient(url(), (c) => insertUser(c))
    await expect(setAlertWebhook(user, text, policy)).rejects.toThrow(message)
    expect(await stored(user)).toEqual({ url: null, secret: null })
  })

  it('refuses localhost as the system resolver answers it', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    await expect(setAlertWebhook(user, 'https://localhost:8443/hooks')).rejects.toThrow(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address; only public addresses are allowed$/)
  })

  it('saves a public https URL with a signing secret, kept while the URL stays, and removes it', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    const first = await setAlertWebhook(user, 'https://public.example.test/hooks', policy)
    expect(first).toEqual({ url: 'https://public.example.test/hooks', secret: expect.stringMatching(/^whsec_[\w-]{32}$/) })
    expect(await stored(user)).toEqual(first)
    expect(await setAlertWebhook(user, 'https://public.example.test/hooks', policy)).toEqual(first)
    const moved = await setAlertWebhook(user, 'https://public.example.test/other', policy)
    expect(moved.secret).not.toBe(first.secret)
    expect(await setAlertWebhook(user, null)).toEqual({ url: null, secret: null })
    expect(await stored(user)).toEqual({ url: null, secret: null })
  })

  it('checks again when sending: a name that resolved publicly when saved and to loopback now is not sent to', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    answers.set('rebind.example.test', [{ address: '93.184.215.14', family: 4 }])
    const port = new URL(receiverUrl).port
    await setAlertWebhook(user, `https://rebind.example.test:${port}/hooks`, policy)
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 2, enforcement_mode = 'hard' where user_id = $1`, [user]))
    await settleChat(user) // 50 %
    // DNS rebinding: the same name now answers the receiver's loopback address, which would
    // accept the request (its certificate names rebind.example.test).
    answers.set('rebind.example.test', [{ address: '127.0.0.1', family: 4 }])
    received.length = 0
    expect(await deliverDueAlerts({ resolve, ca: cert })).toEqual({ delivered: 0, failed: 1 })
    expect(received).toHaveLength(0)
    const { rows } = await withClient(url(), (c) =>
      c.query('select d.last_error from public.usage_alert_deliveries d join public.usage_alerts a on a.id = d.alert_id where a.user_id = $1', [user]),
    )
    expect(rows).toEqual([{ last_error: 'attempt 1: rebind.example.test resolves to 127.0.0.1, a loopback address; only public addresses are allowed' }])
  })

  it('refuses to send to a stored URL that is not https (set before the rule)', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    await withClient(url(), (c) =>
      c.query(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 2, enforcement_mode = 'hard', alert_webhook_url = $2 where user_id = $1`, [user, receiverUrl.replace('https:', 'http:')]),
    )
    await settleChat(user)
    expect(await deliverDueAlerts(localReceiver)).toEqual({ delivered: 0, failed: 1 })
    const { rows } = await withClient(url(), (c) =>
      c.query('select d.last_error from public.usage_alert_deliveries d join public.usage_alerts a on a.id = d.alert_id where a.user_id = $1', [user]),
    )
    expect(rows).toEqual([{ last_error: 'attempt 1: The URL must start with https://' }])
  })
})
