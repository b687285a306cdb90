// Credentials are never stored or logged. Calls are made with an API key and with a session
// cookie, and their bodies carry the key, the session token and a provider key as text and in
// authorization-like fields (people paste keys into prompts); failures, streams, images and a
// video job are included. Then the server's whole output and every row of every table are
// searched for each secret.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
let user: GatewayUser
let secrets: Record<string, string>
const db = () => process.env.DATABASE_URL!
const CALLS = 9 // authenticated calls below, each leaving one usage row

beforeAll(async () => {
  // A provider key shaped like OpenAI's project keys, so that shape is what must not be kept.
  upstream = await startFakeOpenAI(`sk-proj-${randomBytes(30).toString('base64url')}`)
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'secrets-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
  })
  user = await createGatewayUser(server.url)
  const session = user.cookie.split('; ').find((c) => c.startsWith('tg_session='))!.slice('tg_session='.length)
  secrets = { 'API key': user.key, 'session token': session, 'provider key': upstream.apiKey }

  const leaky = `here is my key ${user.key}, my session ${session} and the provider's ${upstream.apiKey}`
  const fields = { authorization: `Bearer ${user.key}`, auth_header: `Bearer ${session}`, credentials: { token: session, openai_key: upstream.apiKey } }
  const post = (path: string, body: object, headers: Record<string, string>) =>
    fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const byKey = { authorization: `Bearer ${user.key}` }
  const bySession = { cookie: user.cookie }

  const answers = await Promise.all([
    post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: leaky }], metadata: fields, user: user.key }, byKey),
    post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: leaky }] }], stream: true }, bySession),
    post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `[fault:500] ${leaky}` }] }, byKey),
    post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `[fault:401] ${leaky}` }] }, bySession),
    post('/chat/completions', { model: 'gpt-4o-mini', messages: leaky, ...fields }, byKey), // invalid: messages is not an array
    post('/images/generations', { model: 'dall-e-3', prompt: leaky, ...fields }, byKey),
    // (the brief carries the session token: a token with its session id no longer fits `audience`'s 500 characters)
    post('/content/generations', { brief: leaky, format: 'social_post', audience: 'people who paste credentials' }, bySession),
    post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: leaky }], campaign: user.key }, byKey), // refused: not a campaign id
  ])
  await Promise.all(answers.map((r) => r.text()))
  expect(answers.map((r) => r.status)).toEqual([200, 200, 502, 502, 400, 200, 200, 400])

  // A video job (simulator: no Runway key) keeps its request until it ends and writes its row.
  const job = await (await post('/videos/generations', { model: 'gen4_turbo', prompt: leaky, seconds: 5, ...fields }, byKey)).json()
  for (let i = 0; i < 60; i++) {
    const polled = await (await fetch(`${server.url}/api/v1/videos/generations/${job.id}`, { headers: bySession })).json()
    if (polled.status === 'succeeded' || polled.status === 'failed') break
    await new Promise((r) => setTimeout(r, 100))
  }

  // Refused credentials: near misses of the real key must not be echoed either.
  await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${user.key}x` } })
  await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer tg_${user.key.slice(4)}A` } })
  await fetch(`${server.url}/api/v1/models`, { headers: { cookie: `tg_session=${session}x` } })
  await usageRows(db(), user.id, CALLS)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

/** Which secrets occur in `text`; the key is also looked for without its tg_ prefix. */
function found(text: string): string[] {
  return Object.entries({ ...secrets, 'API key body': secrets['API key'].slice(3) }).flatMap(([name, value]) => (text.includes(value) ? [name] : []))
}

describe('secrets never stored or logged', () => {
  it('recorded every call it was meant to (so the searches below look at something)', async () => {
    const rows = await usageRows(db(), user.id, CALLS)
    expect(rows).toHaveLength(CALLS)
    expect(new Set(rows.map((r) => r.endpoint))).toEqual(
      new Set(['/api/v1/chat/completions', '/api/v1/images/generations', '/api/v1/content/generations', '/api/v1/videos/generations']),
    )
    // The stored payloads still explain the calls: the prompt text around the secrets is kept.
    expect(JSON.stringify(rows.map((r) => r.request_payload))).toContain('here is my key')
  })

  it.each(['request_payload', 'response_payload', 'metadata', 'user_agent', 'price_snapshot', 'error_code'])(
    'no secret in api_usage.%s (or its details beside it)',
    async (column) => {
      const values = await withClient(db(), async (c) =>
        (await c.query(`select ${column}::text as v from public.api_usage u left join public.api_usage_details d using (request_id) where u.user_id = $1`, [user.id])).rows.map((r) => r.v ?? ''),
      )
      expect(values.length).toBe(CALLS)
      expect(found(values.join('\n'))).toEqual([])
    },
  )

  it('no secret in any row of any table', async () => {
    const hits = await withClient(db(), async (c) => {
      const tables = (
        await c.query<{ name: string }>(
          `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind = 'r' and n.nspname in ('public', 'auth')`,
        )
      ).rows
      expect(tables.length).toBeGreaterThan(10)
      const out: string[] = []
      for (const { name } of tables) {
        const text = (await c.query<{ v: string }>(`select t::text as v from ${name} t`)).rows.map((r) => r.v).join('\n')
        for (const secret of found(text)) out.push(`${secret} in ${name}`)
      }
      return out
    })
    expect(hits).toEqual([])
  })

  it('no secret in the server\'s output', () => {
    expect(server.output().length).toBeGreaterThan(0)
    expect(found(server.output())).toEqual([])
  })

  it('authenticates to the provider with the provider key only, never the caller\'s credentials', () => {
    // What the user wrote still reaches the model (it is their prompt); the credentials they
    // called Tollgate with are not what the provider sees in its authorization header.
    expect(upstream.calls.length).toBeGreaterThan(0)
    expect(upstream.calls.map((call) => call.authorization)).toEqual(upstream.calls.map(() => `Bearer ${upstream.apiKey}`))
  })
})
