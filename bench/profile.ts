// `npm run bench:profile`: where a gateway call's CPU time goes. Runs `next start` under
// `node --cpu-prof`, drives the full gateway path (one user, 32 connections) with autocannon,
// stops the server so the profile is written, and prints self time grouped by component
// (Next.js, React, Prisma, pg, zod, the tokenizer, Tollgate's own code, GC, idle) and the
// hottest functions. Profiles are kept in bench/results/profile/ for Chrome DevTools.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { ensureDatabase, startThrowawayPostgres } from '../lib/db/embedded'
import { migrate } from '../lib/db/migrate'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startProductionServer } from '../test/next-server'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })
const OUT = path.resolve('bench/results/profile')

const pgServer = await startThrowawayPostgres('tollgate-profile')
await ensureDatabase(pgServer.adminUrl, 'bench')
const databaseUrl = pgServer.urlFor('bench')
await migrate(databaseUrl)
const upstream = await startFakeOpenAI()
rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
const server = await startProductionServer('.next-bench', {
  DATABASE_URL: databaseUrl,
  AUTH_SECRET: 'bench-secret-at-least-32-characters-long',
  OPENAI_API_KEY: upstream.apiKey,
  OPENAI_BASE_URL: upstream.url,
  DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tollgate-profile-data-')),
}, ['--cpu-prof', `--cpu-prof-dir=${OUT}`])

const signup = await fetch(`${server.url}/api/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: `profile-${Date.now()}@example.test`, password: 'a long enough password' }),
})
const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
const { user } = await signup.json()
const { key } = await (await fetch(`${server.url}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'profile' }) })).json()
const sql = new pg.Client({ connectionString: databaseUrl })
await sql.connect()
await sql.query('update public.api_rate_limits set requests_per_minute = 1000000 where user_id = $1', [user.id])
const txBefore = Number((await sql.query(`select xact_commit + xact_rollback as n from pg_stat_database where datname = 'bench'`)).rows[0].n)

const options = { url: `${server.url}/api/v1/chat/completions`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: BODY, connections: CONNECTIONS }
await autocannon({ ...options, duration: 3 })
const run = await autocannon({ ...options, duration: DURATION })
await new Promise((r) => setTimeout(r, 2_000))
const txAfter = Number((await sql.query(`select xact_commit + xact_rollback as n from pg_stat_database where datname = 'bench'`)).rows[0].n)
await sql.end()
await server.stop() // SIGTERM: the server exits and writes its profile
const serverLog = server.output().split("\n")
console.log(`server log: ${serverLog.length} lines; last: ${serverLog.slice(-5).join(" | ").slice(0, 600)}`)

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const COMPONENTS: [string, RegExp][] = [
  ['(garbage collector)', /^\(garbage collector\)$/],
  ['(idle)', /^\((idle|program)\)$/],
  ['Tollgate lib/ (bundled)', /\[project\]\/lib\//],
  ['Tollgate app/ (bundled)', /\[project\]\/app\//],
  ['gpt-tokenizer', /gpt-tokenizer/],
  ['zod', /zod/],
  ['Prisma client / engine', /prisma/i],
  ['pg driver', /node_modules\/pg|pg-protocol|pg-pool/],
  ['React (server)', /react/],
  ['Next.js', /next\//],
  ['Node.js internals', /^node:|^internal\//],
]

function component(node: Node): string {
  const label = node.callFrame.url || node.callFrame.functionName
  for (const [name, pattern] of COMPONENTS) if (pattern.test(label)) return name
  return node.callFrame.url ? 'other bundled or native code' : '(native / builtins)'
}

const files = readdirSync(OUT).filter((f) => f.endsWith('.cpuprofile'))
const byComponent = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
for (const file of files) {
  const profile = JSON.parse(readFileSync(path.join(OUT, file), 'utf8')) as Profile
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)!
    const us = profile.timeDeltas[i] ?? 0
    total += us
    const c = component(node)
    byComponent.set(c, (byComponent.get(c) ?? 0) + us)
    if (c === '(idle)') return
    const where = node.callFrame.url.replace(/^.*\/(node_modules|chunks)\//, '$1/').replace(/^file:\/\//, '')
    const fn = `${node.callFrame.functionName || '(anonymous)'}  ${where}:${node.callFrame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
  })
}
const busy = total - (byComponent.get('(idle)') ?? 0)
const requests = run['2xx'] + run.non2xx
const result = {
  date: new Date().toISOString(),
  connections: CONNECTIONS,
  duration_seconds: DURATION,
  requests_per_second: run.requests.average,
  profiles: files.length,
  cpu_ms_per_call: requests ? busy / 1000 / requests : null,
  db_transactions_per_call: requests ? (txAfter - txBefore) / requests : null,
  components: [...byComponent].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: Math.round(us / 1000), share_of_busy: name === '(idle)' ? null : us / busy })),
  top_functions: [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share_of_busy: us / busy })),
}
writeFileSync('bench/results/profile-latest.json', `${JSON.stringify(result, null, 2)}\n`)
console.log(`${requests} calls at ${Math.round(run.requests.average)} req/s; server CPU ${result.cpu_ms_per_call?.toFixed(2)} ms per call; ${result.db_transactions_per_call?.toFixed(2)} transactions per call`)
console.table(result.components.map((c) => ({ component: c.name, ms: c.ms, '% of busy': c.share_of_busy === null ? '' : (100 * c.share_of_busy).toFixed(1) })))
console.table(result.top_functions.map((f) => ({ function: f.fn.slice(0, 110), ms: f.ms, '%': (100 * f.share_of_busy).toFixed(1) })))
await upstream.close()
await pgServer.stop()
