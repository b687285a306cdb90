// What the benchmark scripts share: a migrated throwaway database, the server environment
// (as `npm start` runs it), a user with an API key, transaction counts and medians.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { ensureDatabase, startThrowawayPostgres, type EmbeddedDatabase } from '../lib/db/embedded'
import { migrate } from '../lib/db/migrate'
import { withHeapCap } from '../lib/server/node-options'
import type { FakeOpenAI } from '../test/fakes/openai'

/** The request every gateway benchmark sends. */
export const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })

/** A throwaway PostgreSQL 17 with one migrated database named `name`. */
export async function benchDatabase(prefix: string, name: string): Promise<{ server: EmbeddedDatabase; url: string }> {
  const server = await startThrowawayPostgres(prefix)
  await ensureDatabase(server.adminUrl, name)
  const url = server.urlFor(name)
  await migrate(url)
  return { server, url }
}

/** `next start`'s environment (and the forward server's): the fake upstream, state in a scratch folder. */
export function serverEnv(databaseUrl: string, upstream: FakeOpenAI): Record<string, string | undefined> {
  return {
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: 'bench-secret-at-least-32-characters-long',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    // The server's spool of unrecorded rows goes to a scratch folder, not the checkout's .data.
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tollgate-bench-data-')),
    // The many-user run signs up one user per connection at once: past the default sign-in ceiling.
    AUTH_HASHES_PER_SECOND: '100000',
    // As `npm start` runs it (a heap cap); BENCH_NODE_OPTIONS=' ' measures Node's defaults.
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? withHeapCap(undefined),
  }
}

/** A new user with an API key, signed up through the server; its request rate is lifted. */
export async function userWithKey(baseUrl: string, sql: pg.Client): Promise<{ id: string; key: string }> {
  const signup = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}-${Math.random()}@example.test`, password: 'a long enough password' }),
  })
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const { user } = await signup.json()
  const { key } = await (await fetch(`${baseUrl}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'bench' }) })).json()
  // Admission still runs in full; the demo plan's 600/min would otherwise be the bottleneck.
  await sql.query('update public.api_rate_limits set requests_per_minute = 1000000 where user_id = $1', [user.id])
  return { id: user.id, key }
}

/** Transactions committed or rolled back in `database` so far (pg_stat_database). */
export async function transactions(sql: pg.Client, database: string): Promise<number> {
  return Number((await sql.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [database])).rows[0].n)
}

/** Median wall time of `fn` over `runs` calls, after `warmups` unmeasured ones. */
export async function median(fn: () => Promise<unknown>, runs = 50, warmups = 5): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]
}
