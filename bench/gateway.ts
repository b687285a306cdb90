// `npm run bench`: what the gateway costs per call, as ratios against baselines measured in the
// same run on the same machine:
//   (a) the fake upstream called directly,
//   (b) a bare Node.js server that only forwards to it (no auth, no database; bench/forward-server.ts,
//       in its own process, with the server's Node options): the floor,
//   (c) a bare Next.js 16 route handler that only forwards (bench/bare-next): the baseline every
//       ratio is against, what the gateway adds over the framework it is built on,
//   (d) the full gateway: API key, admission, forwarding, settle, rollups, for one user,
//   (e) the same for 32 users (one per connection, at concurrency 32).
// Each at concurrency 1 and 32, with autocannon, after a warm-up, in two placements (bench/placement.ts:
// everything sharing both cores; and the server under test alone on one core, PostgreSQL, the
// load and the upstream on the other). For each: throughput, latency, the server's CPU per call
// and PostgreSQL's, database transactions per call, rows written = requests, streaming time to
// first token, and every ratio against the bare Next.js route. p50 at one connection is the
// median of every response's own time (autocannon's percentiles are whole milliseconds). BENCH_PLACEMENT=shared|pinned runs one.
// Writes bench/results/gateway-latest.json and prints the tables and the targets.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import pg from 'pg'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startForwardServer } from './forward-server'
import { startBareNext } from './bare-next'
import { startProductionServer } from '../test/next-server'
import { benchDatabase, CHAT_BODY, serverEnv, transactions, userWithKey } from './common'
import { canPin, cpuPerCall, place, processTree, type Placement } from './placement'
import { report, type Streaming } from './gateway-report'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = 3
const BODY = CHAT_BODY

const { server: pgServer, url: databaseUrl } = await benchDatabase('tollgate-bench', 'bench')
const upstream = await startFakeOpenAI()
console.log('building / starting next start …')
const server = await startProductionServer('.next-bench', serverEnv(databaseUrl, upstream))
const forwarder = await startForwardServer(upstream.url, { ...process.env, ...serverEnv(databaseUrl, upstream) })
const bareNext = await startBareNext(upstream.url, { ...process.env, ...serverEnv(databaseUrl, upstream) })
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

// PostgreSQL publishes a backend's transaction counts when it goes idle, at most once a second,
// or up to 10 s later (PGSTAT_IDLE_INTERVAL): counts are read that long after a run.
const STATS_FLUSH_MS = 11_000

/**
 * One measured autocannon run; with `cpuOf`, the CPU that process tree and PostgreSQL spent per
 * call and the transactions per call, read once `settled` (rows caught up) and stats flushed.
 */
async function measure(name: string, options: autocannon.Options, cpuOf: number | null, settled?: (run: { ok: number; errors: number }) => Promise<void>): Promise<Run> {
  const drive = async () => {
    const times: number[] = []
    // Without a callback autocannon returns its tracker, an event emitter that is also a promise.
    const instance = autocannon({ ...options, duration: DURATION }) as unknown as Promise<autocannon.Result> & NodeJS.EventEmitter
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms))
    const r = await instance
    times.sort((a, b) => a - b)
    const p50 = times.length ? times[Math.floor(times.length / 2)] : r.latency.p50
    return { placement, name, connections: options.connections ?? 1, rps: r.requests.average, p50, p99: r.latency.p99, p999: r.latency.p99_9, ok: r['2xx'], errors: r.non2xx + r.errors + r.timeouts, calls: r['2xx'] + r.non2xx }
  }
  if (cpuOf === null) return { ...(await drive()), serverCpuMs: null, postgresCpuMs: null, transactionsPerCall: null }
  const flushed = () => (settled ? new Promise((r) => setTimeout(r, STATS_FLUSH_MS)) : Promise.resolve())
  await flushed()
  const tx = await transactions(sql, 'bench')
  const run = await cpuPerCall({ server: cpuOf, postgres: postmaster }, drive)
  await settled?.(run)
  await flushed()
  return { ...run, transactionsPerCall: ((await transactions(sql, 'bench')) - tx) / Math.max(1, run.calls) }
}

async function load(name: string, url: string, headers: Record<string, string>, connections: number, cpuOf: number | null): Promise<Run> {
  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body: BODY, connections }
  await autocannon({ ...options, duration: WARMUP })
  return measure(name, options, cpuOf)
}

const rows = async (userIds: string[]) => Number((await sql.query('select count(*) as n from public.api_usage where user_id = any($1)', [userIds])).rows[0].n)
const runs: Run[] = []
const direct = { url: `${upstream.url}/chat/completions`, headers: { authorization: `Bearer ${upstream.apiKey}` } }
const forward = { url: `${forwarder.url}/forward`, headers: { 'x-upstream-authorization': `Bearer ${upstream.apiKey}` } }
const nextRoute = { url: `${bareNext.url}/forward`, headers: forward.headers }
let peak = 0
let forwardPeak = 0
let barePeak = 0
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
  const ids = users.map((u) => u.id)
  await autocannon({ ...options, duration: WARMUP })
  let before = -1
  for (let n = await rows(ids); n !== before; n = await rows(ids)) {
    before = n
    await new Promise((r) => setTimeout(r, 1_000))
  }
  let after = before
  // Rows caught up: every measured call's row is in (or 20 s passed: the check below says so).
  const caughtUp = async (run: { ok: number; errors: number }) => {
    after = await rows(ids)
    for (let i = 0; i < 100 && after < before + run.ok + run.errors; i++) {
      await new Promise((r) => setTimeout(r, 200))
      after = await rows(ids)
    }
  }
  const [run, rss] = await peakRss(() => measure(name, options, server.pid!, caughtUp))
  const requests = run.ok + run.errors
  gatewayChecks.push({ placement, target: name, connections, requests, rows: after - before })
  return [run, rss]
}

// Streaming: time to first token (median of 30, sequential), direct, through each bare forward, through the gateway.
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
const streaming: Record<string, Streaming> = {}
for (placement of placements) {
  // The servers under test sit on the same core when pinned; only one is loaded at a time.
  for (const pid of [server.pid, forwarder.pid, bareNext.pid]) place(placement, { server: pid, postgres: postmaster, self: process.pid })
  console.log(`placement: ${placement}`)
  for (const connections of [1, 32]) {
    runs.push(await load('a. upstream direct', direct.url, direct.headers, connections, null))
    const [f, rssF] = await peakRss(() => load('b. bare Node.js forward', forward.url, forward.headers, connections, forwarder.pid), forwarder.pid)
    runs.push(f)
    const [n, rssN] = await peakRss(() => load('c. bare Next.js route', nextRoute.url, nextRoute.headers, connections, bareNext.pid), bareNext.pid)
    runs.push(n)
    const [g, rssG] = await gateway('d. full gateway (one user)', [await newUser()], connections)
    runs.push(g)
    peak = Math.max(peak, rssG)
    forwardPeak = Math.max(forwardPeak, rssF)
    barePeak = Math.max(barePeak, rssN)
    if (connections > 1) {
      // One user per connection: admissions and settles of different users do not queue on
      // one subscription row, which separates hot-row contention from per-call work.
      const many: { id: string; key: string }[] = []
      for (let i = 0; i < connections; i++) many.push(await newUser())
      const [m, rssM] = await gateway('e. full gateway (32 users)', many, connections)
      runs.push(m)
      peak = Math.max(peak, rssM)
    }
  }
  const streamUser = await newUser()
  streaming[placement] = {
    direct: await ttft(direct.url, direct.headers),
    node: await ttft(forward.url, forward.headers),
    next: await ttft(nextRoute.url, nextRoute.headers),
    gateway: await ttft(`${server.url}/api/v1/chat/completions`, { authorization: `Bearer ${streamUser.key}` }),
  }
}

report({ duration: DURATION, runs, checks: gatewayChecks, streaming, serverPeakRssMb: Math.round(peak), forwardPeakRssMb: Math.round(forwardPeak), bareNextPeakRssMb: Math.round(barePeak) })

await sql.end()
await server.stop()
await forwarder.stop()
await bareNext.stop()
await upstream.close()
await pgServer.stop()
