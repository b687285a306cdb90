// GET /api/usage/events on two real Next servers sharing one real PostgreSQL (this file's own,
// so it can be restarted): a call made with an API key through server A reaches the user's
// stream on server B; another user's call reaches nothing of theirs; each server holds one
// LISTEN connection however many streams it serves, and none once they close; after the
// database restarts, streams get a "re-read" and go on delivering.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '@/lib/db/embedded'
import { migrate } from '@/lib/db/migrate'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { waitFor } from '@/test/load'
import { startNextServer, type NextServer } from '@/test/next-server'

let dir: string
let postgres: EmbeddedDatabase
let databaseUrl: string
let servers: NextServer[] = []
const port = 30000 + Math.floor(Math.random() * 20000)
const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, persistent: true })

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-usage-events-'))
  postgres = await startPostgres()
  await ensureDatabase(postgres.adminUrl, 'tollgate')
  databaseUrl = postgres.urlFor('tollgate')
  await migrate(databaseUrl)
  const env = { DATABASE_URL: databaseUrl, AUTH_SECRET: 'usage-events-secret-at-least-32-characters', DATABASE_CONNECT_TIMEOUT_MS: '1000' }
  servers = await Promise.all([startNextServer({ ...env, DATA_DIR: await mkdtemp(path.join(dir, 'a-')) }), startNextServer({ ...env, DATA_DIR: await mkdtemp(path.join(dir, 'b-')) })])
})

afterAll(async () => {
  for (const server of servers) await server.stop()
  await postgres?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

type Stream = { events: { event: string; data: string; at: number }[]; comments: number; close: () => void; closed: Promise<void> }

/** Opens the event stream as the browser's EventSource would (session cookie), and records what arrives. */
async function openStream(server: NextServer, cookie: string): Promise<Stream> {
  const abort = new AbortController()
  const response = await fetch(`${server.url}/api/usage/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: abort.signal })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const stream: Stream = { events: [], comments: 0, close: () => abort.abort(), closed: Promise.resolve() }
  stream.closed = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      const reader = response.body!.getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (block.startsWith(':')) stream.comments++
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]))
          if (fields.event) stream.events.push({ event: fields.event, data: fields.data ?? '', at: Date.now() })
        }
      }
    } catch {
      // Aborted by close().
    }
  })()
  await until(() => stream.events.some((e) => e.event === 'ready'), 'the stream to be ready')
  return stream
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  if (!(await waitFor(async () => Boolean(await condition()), timeoutMs, 25))) throw new Error(`timed out waiting for ${what}`)
}

const usageEvents = (s: Stream) => s.events.filter((e) => e.event === 'usage').length

const listeners = () =>
  withClient(databaseUrl, async (c) => Number((await c.query(`select count(*) from pg_stat_activity where application_name = 'tollgate:usage-events'`)).rows[0].count))

async function chat(server: NextServer, user: GatewayUser): Promise<number> {
  await user.client.withOptions({ baseURL: `${server.url}/api/v1` }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })
  return Date.now()
}

describe('usage events', () => {
  it('refuses a caller without a session, an API key included', async () => {
    const user = await createGatewayUser(servers[0].url)
    const none = await fetch(`${servers[0].url}/api/usage/events`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in to follow your usage', type: 'authentication_error', param: null } })
    expect((await fetch(`${servers[0].url}/api/usage/events`, { headers: { authorization: `Bearer ${user.key}` } })).status).toBe(401)
  })

  it('delivers a call made through server A to the user\'s stream on server B, and nothing of another user\'s', async () => {
    const [a, b] = await Promise.all([createGatewayUser(servers[0].url), createGatewayUser(servers[0].url)])
    const aOnB = await openStream(servers[1], a.cookie)
    const bOnB = await openStream(servers[1], b.cookie)
    try {
      // B first: had B's event gone to A's stream, it would be there before A's own.
      await chat(servers[0], b)
      await until(() => usageEvents(bOnB) === 1, "B's event")
      const answeredAt = await chat(servers[0], a)
      await until(() => usageEvents(aOnB) === 1, "A's event")
      const rows = await usageRows(databaseUrl, a.id, 1)
      expect(rows).toHaveLength(1)
      expect(aOnB.events.map((e) => e.event)).toEqual(['ready', 'usage'])
      expect(aOnB.events[1].data).toBe('changed')
      expect(usageEvents(bOnB)).toBe(1)
      // The event carries no usage data: the page reads that through the user's own session.
      console.info(`[usage-events] event arrived ${aOnB.events[1].at - answeredAt} ms after the answer (the row settles after it)`)
    } finally {
      aOnB.close()
      bOnB.close()
    }
  })

  it('holds one LISTEN connection per server however many streams, and releases it when they close', async () => {
    await until(async () => (await listeners()) === 0, 'earlier streams to be released')
    const users = await Promise.all([createGatewayUser(servers[0].url), createGatewayUser(servers[0].url)])
    const streams = [
      await openStream(servers[0], users[0].cookie),
      await openStream(servers[0], users[0].cookie),
      await openStream(servers[0], users[1].cookie),
      await openStream(servers[1], users[1].cookie),
    ]
    expect(await listeners()).toBe(2)
    // Both of user 0's tabs hear the call.
    await chat(servers[1], users[0])
    await until(() => usageEvents(streams[0]) === 1 && usageEvents(streams[1]) === 1, "both of user 0's streams")
    for (const s of streams.slice(0, 3)) s.close()
    await until(async () => (await listeners()) === 1, "server A's listener to close with its last stream")
    streams[3].close()
    await until(async () => (await listeners()) === 0, "server B's listener to close")
  })

  it('reconnects after the database restarts: streams are told to re-read, then events flow again', async () => {
    const user = await createGatewayUser(servers[0].url)
    const stream = await openStream(servers[1], user.cookie)
    try {
      await until(async () => (await listeners()) === 1, 'the listener')
      await postgres.stop()
      postgres = await startPostgres()
      await until(() => usageEvents(stream) === 1, 'the re-read after the restart', 60_000)
      await until(async () => (await listeners()) === 1, 'the listener to be back')
      // The gateway may answer 503 for a moment after the restart: retry until it serves.
      await until(() => chat(servers[0], user).then(() => true, () => false), 'a call to succeed', 60_000)
      await until(() => usageEvents(stream) >= 2, 'the call after the restart')
    } finally {
      stream.close()
    }
  })
})
