// Database faults against the real server: PostgreSQL stopped under load and started again,
// and a burst larger than the connection pool. The gateway fails closed (503, nothing
// forwarded unmetered), recovers by itself, never hangs a request, and every call it admitted
// has its one usage row once the database is back.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '@/lib/db/embedded'
import { migrate } from '@/lib/db/migrate'
import { withClient } from '@/test/databases'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { createGatewayUser, holdsOf, type GatewayUser } from '@/test/gateway'
import { sleep, startLoad, waitFor, type Answer } from '@/test/load'
import { startNextServer, type NextServer } from '@/test/next-server'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

let dir: string
let postgres: EmbeddedDatabase
let databaseUrl: string
let upstream: FakeOpenAI
const servers: NextServer[] = []
const port = 30000 + Math.floor(Math.random() * 20000)
const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, persistent: true })

beforeAll(async () => {
  // A PostgreSQL of this file's own, so stopping it touches no other test.
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-db-faults-'))
  postgres = await startPostgres()
  expect(postgres.port).toBe(port)
  await ensureDatabase(postgres.adminUrl, 'tollgate')
  databaseUrl = postgres.urlFor('tollgate')
  await migrate(databaseUrl)
  upstream = await startFakeOpenAI()
})

afterAll(async () => {
  for (const server of servers) await server.stop()
  await upstream?.close()
  await postgres?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function gateway(env: Record<string, string> = {}): Promise<NextServer> {
  const server = await startNextServer({
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: 'database-faults-secret-at-least-32-chars',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    DATA_DIR: await mkdtemp(path.join(dir, 'state-')),
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    ...env,
  })
  servers.push(server)
  return server
}

const chat = (server: NextServer, user: GatewayUser, prompt: string) =>
  fetch(`${server.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: 16 }),
  })

const rowsOf = (userId: string) =>
  withClient(databaseUrl, async (c) => (await c.query<{ request_id: string; status: string; error_code: string | null }>('select request_id, status, error_code from public.api_usage where user_id = $1', [userId])).rows)

/**
 * Every answer with a request id has exactly one row, and there is no row without an answer;
 * except a call the outage struck before its key was known (no user, so no row), which says so.
 */
function expectOneRowPerAnswer(answers: Answer[], rows: { request_id: string }[]) {
  const keyUnchecked = (a: Answer) => /API key could not be checked/.test(a.body)
  for (const a of answers.filter(keyUnchecked)) expect(a.status).toBe(503)
  const answered = answers.filter((a) => a.requestId && !keyUnchecked(a)).map((a) => a.requestId!)
  const recorded = rows.map((r) => r.request_id)
  expect(new Set(recorded).size).toBe(recorded.length)
  expect(recorded.sort()).toEqual(answered.sort())
}

describe('PostgreSQL stopped under load, then started again', () => {
  it('answers 503 while it is down, forwards nothing unmetered, recovers by itself and loses no row', async () => {
    const server = await gateway()
    const user = await createGatewayUser(server.url)
    const load = startLoad(6, (w, n) => chat(server, user, `worker ${w} call ${n} [delay:200]`))
    await sleep(2_000)

    const outageStarted = Date.now()
    await postgres.stop()
    await sleep(3_000)
    postgres = await startPostgres()
    const databaseBack = Date.now()
    const recovered = await waitFor(async () => load.answers.find((a) => a.status === 200 && a.startedAt >= databaseBack), 15_000, 100)
    await sleep(1_500)
    const answers = await load.stop()

    // Only 200 and 503: never a 500, never a hang, never a refused connection.
    const statuses = new Map<number, number>()
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
    expect([...statuses.keys()].sort()).toEqual([200, 503])
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.code).toBe('database_unavailable')
      expect(JSON.parse(a.body).error.message).toMatch(/database.*nothing was forwarded or charged/)
    }
    // While it was down (after the calls in flight at its stop had ended) every answer was 503.
    const whileDown = answers.filter((a) => a.startedAt > outageStarted + 1_000 && a.endedAt < databaseBack)
    expect(whileDown.length).toBeGreaterThan(10)
    expect(whileDown.every((a) => a.status === 503)).toBe(true)
    // Recovery without a restart of the app, within seconds of the database's return.
    expect(recovered, 'no call succeeded after the database came back').toBeTruthy()
    expect(recovered!.endedAt - databaseBack).toBeLessThan(5_000)
    expect(await fetch(`${server.url}/api/health`).then((r) => r.status)).toBe(200)

    // Calls admitted before or across the outage were recorded late (retries, then the spool):
    // once replayed, every answered call has its one row and no hold is left.
    await waitFor(async () => (await holdsOf(databaseUrl, user.id)) === 0 && (await rowsOf(user.id)).length >= answers.filter((a) => a.requestId).length, 20_000)
    const rows = await rowsOf(user.id)
    expectOneRowPerAnswer(answers, rows)
    expect(await holdsOf(databaseUrl, user.id)).toBe(0)
    // Fail closed: every call that reached the provider is a metered success row.
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(upstream.calls.length)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(upstream.calls.length)
    console.log(`[database-faults] ${answers.length} calls: ${statuses.get(200)} × 200, ${statuses.get(503)} × 503; first success ${recovered!.endedAt - databaseBack} ms after the database returned`)
  })
})

describe('PostgreSQL stopped: every edge answers in its own shape', () => {
  it('answers 503 with Retry-After in the one error shape on every API route, and the form\'s error on a server action', async () => {
    const server = await gateway()
    const user = await createGatewayUser(server.url)
    await postgres.stop()
    try {
      const asCookie = { cookie: user.cookie }
      const asKey = { authorization: `Bearer ${user.key}` }
      const json = { 'content-type': 'application/json' }
      for (const [method, path, headers, body] of [
        ['GET', '/api/keys', asCookie, undefined],
        ['POST', '/api/keys', { ...asCookie, ...json }, '{"name":"outage"}'],
        ['DELETE', '/api/keys/00000000-0000-4000-8000-000000000000', asCookie, undefined],
        ['GET', '/api/usage/export', asCookie, undefined],
        ['GET', '/api/v1/usage', asKey, undefined],
        ['GET', '/api/v1/usage/history', asKey, undefined],
        ['POST', '/api/auth/login', json, '{"email":"someone@example.test","password":"long enough pw"}'],
        ['POST', '/api/v1/chat/completions', { ...asKey, ...json }, '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'],
      ] as const) {
        const response = await fetch(`${server.url}${path}`, { method, headers, body })
        const what = `${method} ${path}`
        expect(response.status, what).toBe(503)
        expect(response.headers.get('retry-after'), what).toBe('2')
        expect(await response.json(), what).toEqual({ error: { message: expect.stringMatching(/database.*Retry shortly/), type: 'server_error', code: 'database_unavailable', param: null } })
      }
      const action = await callServerAction(server.url, '/settings/security', serverActionId('app/(app)/settings/actions.ts', 'createApiKeyAction'), [null, form({ name: 'outage' })], { cookie: user.cookie })
      expect(actionOutcome(await action.text())).toEqual({ value: { ok: false, error: expect.stringMatching(/database.*Retry shortly/), values: { name: 'outage' } } })
      // An outage is logged (once per 5 s), never as an unexpected failure with its stack.
      expect(server.output()).not.toMatch(/\[(api|action)\] .* failed:/)
    } finally {
      postgres = await startPostgres()
    }
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie: user.cookie } })).status).toBe(200)
  })
})

describe('a burst larger than the connection pool', () => {
  it('queues what it can and refuses the rest with 503 in bounded time; every answer has its row', async () => {
    const server = await gateway({ DATABASE_POOL_MAX: '2', DATABASE_CONNECT_TIMEOUT_MS: '500' })
    const user = await createGatewayUser(server.url)
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 80 }, async (_, i) => {
        const t = Date.now()
        const response = await chat(server, user, `burst ${i} [delay:100]`)
        return { status: response.status, requestId: response.headers.get('x-request-id'), code: null, startedAt: t, endedAt: Date.now(), body: await response.text() } satisfies Answer
      }),
    )
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(answers.every((a) => a.status === 200 || (a.status === 503 && /database/.test(a.body)))).toBe(true)
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0)
    await waitFor(async () => (await holdsOf(databaseUrl, user.id)) === 0 && (await rowsOf(user.id)).length >= answers.filter((a) => a.requestId).length, 20_000)
    expectOneRowPerAnswer(answers, await rowsOf(user.id))
  })

  it('does not hang behind a lock held elsewhere: 503 after the statement timeout, then service resumes', async () => {
    const server = await gateway({ DATABASE_POOL_MAX: '2', DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '1000' })
    const user = await createGatewayUser(server.url)
    const answers = await withClient(databaseUrl, async (locker) => {
      // Another session holds the user's subscription row, as a stuck transaction would.
      await locker.query('begin')
      await locker.query('select 1 from public.user_subscriptions where user_id = $1 for update', [user.id])
      const started = Date.now()
      const out = await Promise.all(Array.from({ length: 6 }, () => chat(server, user, 'blocked').then(async (r) => ({ status: r.status, body: await r.text(), ms: Date.now() - started }))))
      await locker.query('rollback')
      return out
    })
    for (const a of answers) {
      expect(a.status).toBe(503)
      expect(JSON.parse(a.body).error).toMatchObject({ code: 'database_unavailable', message: expect.stringMatching(/did not answer in time/) })
      expect(a.ms).toBeLessThan(10_000)
    }
    expect((await chat(server, user, 'after the lock')).status).toBe(200)
  })
})
