// A FAKE of the few Stripe API endpoints Tollgate calls (customers, Checkout Sessions, portal
// sessions, reading a subscription), for the official `stripe` client pointed at it
// (host/port/protocol). Bodies are form-encoded as Stripe's; every request is recorded, with
// its idempotency key. `subscriptions` is Stripe's current state, set by the test;
// `holdSubscriptionReads()` makes reading one wait until the test lets it go (a slow Stripe).
import { createServer } from 'node:http'

export type StripeCall = { method: string; path: string; form: URLSearchParams; idempotencyKey?: string }
/** A held read: `arrived` resolves once a request is waiting; `release()` lets it (and later ones) answer. */
export type StripeGate = { arrived: Promise<void>; release: () => void }
export type FakeStripe = {
  url: string
  calls: StripeCall[]
  subscriptions: Map<string, Record<string, unknown>>
  holdSubscriptionReads: () => StripeGate
  close: () => Promise<void>
}

export async function startFakeStripe(): Promise<FakeStripe> {
  let gate: { arrived: () => void; released: Promise<void> } | null = null
  const fake: FakeStripe = {
    url: '',
    calls: [],
    subscriptions: new Map(),
    holdSubscriptionReads: () => {
      let arrived!: () => void
      let release!: () => void
      const held = { arrived: new Promise<void>((resolve) => (arrived = resolve)), released: new Promise<void>((resolve) => (release = resolve)) }
      gate = { arrived, released: held.released }
      return { arrived: held.arrived, release: () => { gate = null; release() } }
    },
    close: async () => {},
  }
  const customers = new Map<string, string>() // idempotency key → customer id
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const call: StripeCall = { method: req.method ?? '', path: req.url ?? '', form: new URLSearchParams(body), idempotencyKey: req.headers['idempotency-key'] as string | undefined }
    fake.calls.push(call)
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${fake.calls.length}` })
      res.end(JSON.stringify(json))
    }
    if (!String(req.headers.authorization).startsWith('Bearer sk_test_')) return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } })
    if (req.method === 'POST' && call.path === '/v1/customers') {
      const key = call.idempotencyKey ?? String(Math.random())
      if (!customers.has(key)) customers.set(key, `cus_fake_${customers.size + 1}`)
      return send(200, { id: customers.get(key), object: 'customer', email: call.form.get('email') })
    }
    if (req.method === 'POST' && call.path === '/v1/checkout/sessions')
      return send(200, { id: `cs_fake_${fake.calls.length}`, object: 'checkout.session', mode: call.form.get('mode'), url: `https://checkout.stripe.test/c/pay/cs_fake_${fake.calls.length}` })
    if (req.method === 'POST' && call.path === '/v1/billing_portal/sessions')
      return send(200, { id: 'bps_fake', object: 'billing_portal.session', url: 'https://billing.stripe.test/p/session/bps_fake' })
    const subscription = req.method === 'GET' ? /^\/v1\/subscriptions\/([A-Za-z0-9_]+)$/.exec(call.path)?.[1] : undefined
    if (subscription) {
      if (gate) {
        gate.arrived()
        await gate.released
      }
      const found = fake.subscriptions.get(subscription)
      return found
        ? send(200, found)
        : send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such subscription: '${subscription}'` } })
    }
    return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${call.path})` } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => server.close(() => resolve()))
  return fake
}
