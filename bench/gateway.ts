// `npm run bench`: what the gateway costs per call, as ratios against baselines measured in the
// same run on the same machine:
//   (a) the fake upstream called directly,
//   (b) a bare Node.js server that only forwards to it (no auth, no database; bench/forward-server.ts,
//       in its own process, with the server's Node options): the floor,
//   (c) the full gateway: API key, admission, forwarding, settle, rollups, for one user,
//   (d) the same for 32 users (one per connection, at concurrency 32).
// Each at concurrency 1 and 32, with autocannon, after a warm-up, in two placements (bench/placement.ts:
// everything sharing both cores; and the server under test alone on one core, PostgreSQL, the
// load and the upstream on the other). For each: throughput, latency, the server's CPU per call
// and PostgreSQL's, database transactions per call, rows written = requests, streaming time to
// first token, and every ratio against the bare forward. BENCH_PLACEMENT=shared|pinned runs one.
// Writes bench/results/gateway-latest.json and prints the tables and the targets.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import pg from 'pg'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startForwardServer } from './forward-server'
import { startProductionServer } from '../test/next-server'
import { benchDatabase, CHAT_BODY, serverEnv, transactions, userWithKey } from './common'
import { canPin, cpuPerCall, place, processTree, type Placement } from './placement'
import { report } from './gateway-report'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = 3
const BODY = CHAT_BODY

const { server: pgServer, url: databaseUrl } = await benchDatabase('tollgate-bench', 'bench')
const upstream = await startFakeOpenAI()
console.log('building / starting next start …')
const server = await startProductionServer('.next-bench', serverEnv(databaseUrl, upstream))
const forwarder = await startForwardServer(upstream.url, { ...process.env, ...serverEnv(databaseUrl, upstream) })
const sql = new pg.Client({ connectionString: databaseUrl })
await sql.connect()
const newUser = () => userWithKey(server.url, sql)

/** Resident memory of the server process and its children, sampled while `fn` runs. */
async function peakRss<T>(fn: () => Promise<T>, pid = server.pid): Promise<[T, number]> {
  const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  let peak = 0
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, processTree(pid!).reduce((sum, p) => sum + rssOf(p), 0))
    } catch {
      // a process ended between listing and reading
    }
  }, 200)
  try {
    return [await fn(), peak / 1024]
  } finally {
    clearInterval(timer)
  }
}

export type Run = {
  placement: Placement; name: string; connections: number; rps: number; p50: number; p99: number; p999: number; ok: number; errors: number
  calls: number; serverCpuMs: number | null; postgresCpuMs: number | null; transactionsPerCall: number | null
}
let placement: Placement = 'shared'
// PostgreSQL's postmaster: the parent of any backend.
const postmaster = Number(readFileSync(`/proc/${(await sql.query('select pg_backend_pid() as pid')).rows[0].pid}/stat`, 'utf8').split(') ')[1].split(' ')[1])

/** One measured autocannon run; with `cpuOf`, the CPU that process tree and PostgreSQL spent per call. */
async function measure(name: string, options: autocannon.Options, cpuOf: number | null): Promise<Run> {
  const drive = async () => {
    const r = await autocannon({ ...options, duration: DURATION })
    return { placement, name, connections: options.connections ?? 1, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p99_9, ok: r['2xx'], errors: r.non2xx + r.errors + r.timeouts, calls: r['2xx'] + r.non2xx }
  }
  const tx = await transactions(sql, 'bench')
  if (cpuOf === null) return { ...(await drive()), serverCpuMs: null, postgresCpuMs: null, transactionsPerCall: null }
  const run = await cpuPerCall({ server: cpuOf, postgres: postmaster }, drive)
  return { ...run, transactionsPerCall: ((await transactions(sql, 'bench')) - tx) / Math.max(1, run.calls) }
}

async function load(name: string, url: string, headers: Record<string, string>, connections: number, cpuOf: number | null): Promise<Run> {
  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body: BODY, connections }
  await autocannon({ ...options, duration: WARMUP })
  return measure(name, options, cpuOf)
}

const rows = async (userId: string) => Number((await sql.query('select count(*) as n from public.api_usage where user_id = $1', [userId])).rows[0].n)
const runs: Run[] = []
const direct = { url: `${upstream.url}/chat/completions`, headers: { authorization: `Bearer ${upstream.apiKey}` } }
const forward = { url: `${forwarder.url}/forward`, headers: { 'x-upstream-authorization': `Bearer ${upstream.apiKey}` } }
let peak = 0
let forwardPeak = 0
export type Check = { placement: Placement; target: string; connections: number; requests: number; rows: number }
const gatewayChecks: Check[] = []

/**
 * The full gateway for `users` (each connection uses user i mod n): warm-up, then the measured
 * run; rows are counted around the measured run only (warm-up calls are metered too), once
 * recording has caught up.
 */
async function gateway(name: string, users: { id: string; key: string }[], connections: number): Promise<[Run, number]> {
  let next = 0
  const options = {
    url: `${server.url}/api/v1/chat/completions`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${users[0].key}` },
    body: BODY,
    connections,
    setupClient: (client: { setHeaders: (h: Record<string, string>) => void }) =>
      client.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${users[next++ % users.length].key}` }),
  }
  const allRows = async () => (await Promise.all(users.map((u) => rows(u.id)))).reduce((a, b) => a + b, 0)
  await autocannon({ ...options, duration: WARMUP })
  let before = -1
  for (let n = await allRows(); n !== before; n = await allRows()) {
    before = n
    await new Promise((r) => setTimeout(r, 1_000))
  }
  const [g, rss] = await peakRss(() => measure(name, options, server.pid!))
  const requests = g.ok + g.errors
  let after = await allRows()
  for (let i = 0; i < 100 && after < before + requests; i++) {
    await new Promise((r) => setTimeout(r, 200))
    after = await allRows()
  }
  gatewayChecks.push({ placement, target: name, connections, requests, rows: after - before })
  return [g, rss]
}

// Streaming: time to first token (median of 30, sequential), direct, through the bare forward, through the gateway.
async function ttft(url: string, headers: Record<string, string>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 30; i++) {
    const t = performance.now()
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...JSON.parse(BODY), stream: true }) })
    const reader = response.body!.getReader()
    let text = ''
    while (!/"content":"[^"]/.test(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    times.push(performance.now() - t)
    await reader.cancel()
  }
  return times.sort((a, b) => a - b)[15]
}

const placements: Placement[] = process.env.BENCH_PLACEMENT ? [process.env.BENCH_PLACEMENT as Placement] : canPin() ? ['shared', 'pinned'] : ['shared']
const streaming: Record<string, { direct: number; forward: number; gateway: number }> = {}
for (placement of placements) {
  // The bare forward and Next.js sit on the same core when pinned; only one is loaded at a time.
  place(placement, { server: server.pid!, postgres: postmaster, self: process.pid })
  place(placement, { server: forwarder.pid, postgres: postmaster, self: process.pid })
  console.log(`placement: ${placement}`)
  for (const connections of [1, 32]) {
    runs.push(await load('a. upstream direct', direct.url, direct.headers, connections, null))
    const [f, rssF] = await peakRss(() => load('b. bare Node.js forward', forward.url, forward.headers, connections, forwarder.pid), forwarder.pid)
    runs.push(f)
    const [g, rssG] = await gateway('c. full gateway (one user)', [await newUser()], connections)
    runs.push(g)
    peak = Math.max(peak, rssG)
    forwardPeak = Math.max(forwardPeak, rssF)
    if (connections > 1) {
      // One user per connection: admissions and settles of different users do not queue on
      // one subscription row, which separates hot-row contention from per-call work.
      const many = await Promise.all(Array.from({ length: connections }, () => newUser()))
      const [m, rssM] = await gateway('d. full gateway (32 users)', many, connections)
      runs.push(m)
      peak = Math.max(peak, rssM)
    }
  }
  const streamUser = await newUser()
  streaming[placement] = {
    direct: await ttft(direct.url, direct.headers),
    forward: await ttft(forward.url, forward.headers),
    gateway: await ttft(`${server.url}/api/v1/chat/completions`, { authorization: `Bearer ${streamUser.key}` }),
  }
}

report({ duration: DURATION, runs, checks: gatewayChecks, streaming, serverPeakRssMb: Math.round(peak), forwardPeakRssMb: Math.round(forwardPeak) })

await sql.end()
await server.stop()
await forwarder.stop()
await upstream.close()
await pgServer.stop()
