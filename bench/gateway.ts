// `npm run bench`: what the gateway costs per call, as ratios against baselines measured in the
// same run on the same machine:
//   (a) the fake upstream called directly,
//   (b) a bare Node.js server that only forwards to it (no auth, no database; bench/forward-server.ts,
//       in its own process, with the server's Node options): the floor,
//   (c) the full gateway: API key, admission, forwarding, settle, rollups, for one user,
//   (d) the same for 32 users (one per connection, at concurrency 32).
// Each at concurrency 1 and 32, with autocannon, after a warm-up. Also: server peak RSS,
// database transactions per gateway call, rows written = requests, streaming time to first token.
// Writes bench/results/gateway-latest.json and prints a table.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import pg from 'pg'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startForwardServer } from './forward-server'
import { startProductionServer } from '../test/next-server'
import { benchDatabase, CHAT_BODY, serverEnv, transactions, userWithKey } from './common'

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
  const tree = (root: number): number[] => {
    const kids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === root
      } catch {
        return false
      }
    })
    return [root, ...kids.flatMap(tree)]
  }
  let peak = 0
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, tree(pid).reduce((sum, p) => sum + rssOf(p), 0))
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

type Run = { name: string; connections: number; rps: number; p50: number; p99: number; p999: number; ok: number; errors: number }

async function load(name: string, url: string, headers: Record<string, string>, connections: number): Promise<Run> {
  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body: BODY, connections }
  await autocannon({ ...options, duration: WARMUP })
  const r = await autocannon({ ...options, duration: DURATION })
  return { name, connections, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p99_9, ok: r['2xx'], errors: r.non2xx + r.errors + r.timeouts }
}

const rows = async (userId: string) => Number((await sql.query('select count(*) as n from public.api_usage where user_id = $1', [userId])).rows[0].n)
const runs: Run[] = []
const direct = { url: `${upstream.url}/chat/completions`, headers: { authorization: `Bearer ${upstream.apiKey}` } }
const forward = { url: `${forwarder.url}/forward`, headers: { 'x-upstream-authorization': `Bearer ${upstream.apiKey}` } }
let peak = 0
let forwardPeak = 0
type Check = { target: string; connections: number; requests: number; rows: number; transactionsPerCall: number }
const gatewayChecks: Check[] = []

/**
 * The full gateway for `users` (each connection uses user i mod n): warm-up, then the measured
 * run; rows and transactions are counted around the measured run only (warm-up calls are
 * metered too), once recording has caught up.
 */
async function gateway(name: string, users: { id: string; key: string }[], connections: number): Promise<[Run, number]> {
  const url = `${server.url}/api/v1/chat/completions`
  let next = 0
  const options = {
    url,
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
  const tx = await transactions(sql, 'bench')
  const [g, rss] = await peakRss(async () => {
    const r = await autocannon({ ...options, duration: DURATION })
    return { name, connections, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p99_9, ok: r['2xx'], errors: r.non2xx + r.errors + r.timeouts } as Run
  })
  const requests = g.ok + g.errors
  let after = await allRows()
  for (let i = 0; i < 100 && after < before + requests; i++) {
    await new Promise((r) => setTimeout(r, 200))
    after = await allRows()
  }
  gatewayChecks.push({ target: name, connections, requests, rows: after - before, transactionsPerCall: ((await transactions(sql, 'bench')) - tx) / requests })
  return [g, rss]
}

for (const connections of [1, 32]) {
  runs.push(await load('a. upstream direct', direct.url, direct.headers, connections))
  const [f, rssF] = await peakRss(() => load('b. bare Node.js forward', forward.url, forward.headers, connections), forwarder.pid)
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

// Streaming: time to first token, direct vs through the gateway (median of 30, sequential).
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
const streamUser = await newUser()
const ttftDirect = await ttft(direct.url, direct.headers)
const ttftGateway = await ttft(`${server.url}/api/v1/chat/completions`, { authorization: `Bearer ${streamUser.key}` })

const at = (name: string, c: number) => runs.find((r) => r.name.startsWith(name) && r.connections === c)!
const summary = [1, 32].map((c) => ({
  connections: c,
  // Over the bare Node.js forward: Next.js routing plus everything Tollgate does per call.
  added_over_forward_p50_ms: at('c.', c).p50 - at('b.', c).p50,
  added_over_forward_p99_ms: at('c.', c).p99 - at('b.', c).p99,
  gateway_added_over_direct_p50_ms: at('c.', c).p50 - at('a.', c).p50,
  gateway_added_over_direct_p99_ms: at('c.', c).p99 - at('a.', c).p99,
  gateway_throughput_vs_forward: at('c.', c).rps / at('b.', c).rps,
  ...(c > 1 ? { many_users_throughput_vs_forward: at('d.', c).rps / at('b.', c).rps, many_users_added_p99_ms: at('d.', c).p99 - at('b.', c).p99 } : {}),
}))
const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, memory_gib: Math.round((await import('node:os')).totalmem() / 2 ** 30), node: process.version },
  duration_seconds: DURATION,
  runs,
  summary,
  gateway_checks: gatewayChecks,
  server_peak_rss_mb: Math.round(peak),
  forward_server_peak_rss_mb: Math.round(forwardPeak),
  streaming_ttft_ms: { direct: ttftDirect, gateway: ttftGateway, added: ttftGateway - ttftDirect },
}
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/gateway-latest.json', `${JSON.stringify(result, null, 2)}\n`)
console.table(runs.map((r) => ({ target: r.name, conc: r.connections, 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, 'p99.9 ms': r.p999, ok: r.ok, errors: r.errors })))
console.table(summary)
console.log({ gatewayChecks, server_peak_rss_mb: result.server_peak_rss_mb, streaming_ttft_ms: result.streaming_ttft_ms })

await sql.end()
await server.stop()
await forwarder.stop()
await upstream.close()
await pgServer.stop()
