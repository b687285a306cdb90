// `npm run bench:profile`: where a gateway call's CPU time goes. Runs the bare Next.js route
// (bench/bare-next: one route handler that forwards) and then the full gateway path (one user,
// 32 connections) on `next start`, each in its own process under `node --cpu-prof`, driven by
// autocannon. Reports, per call: the server process's CPU (from /proc), PostgreSQL's CPU (all
// backends), transactions, and the profile's self time by component (Next.js, Prisma, pg, Node
// internals, GC …) for both, so the difference is what Tollgate adds over the framework; then
// the gateway's hottest functions. Profiles stay in
// bench/results/profile/ (open them in Chrome DevTools); the summary in
// bench/results/profile-latest.json.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startProductionServer } from '../test/next-server'
import { startBareNext } from './bare-next'
import { benchDatabase, CHAT_BODY, serverEnv, transactions, userWithKey } from './common'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const BODY = CHAT_BODY
const OUT = path.resolve('bench/results/profile')

const { server: pgServer, url: databaseUrl } = await benchDatabase('tollgate-profile', 'bench')
const upstream = await startFakeOpenAI()
rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })

/** CPU seconds used so far by a process (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number)
  return (utime + stime) / 100
}
/** CPU seconds of every PostgreSQL process (the postmaster's children: one backend per connection). */
function postgresCpuSeconds(): number {
  let total = 0
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('postgres')) total += cpuSeconds(Number(p))
    } catch {
      // the process ended meanwhile
    }
  }
  return total
}

type Measured = { target: string; rps: number; calls: number; profiledCalls: number; server_cpu_ms_per_call: number; postgres_cpu_ms_per_call: number; transactions_per_call: number; profileDir: string }

/** Runs `target` on a fresh profiled server: warm-up and measured run, everything counted per call. */
async function profiled(target: 'bare-next' | 'gateway'): Promise<Measured> {
  const profileDir = path.join(OUT, target)
  mkdirSync(profileDir, { recursive: true })
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const server =
    target === 'bare-next'
      ? await startBareNext(upstream.url, { ...process.env, ...serverEnv(databaseUrl, upstream) }, nodeArgs)
      : await startProductionServer('.next-bench', serverEnv(databaseUrl, upstream), nodeArgs)
  let options: autocannon.Options
  if (target === 'bare-next') {
    options = { url: `${server.url}/forward`, method: 'POST', headers: { 'content-type': 'application/json', 'x-upstream-authorization': `Bearer ${upstream.apiKey}` }, body: BODY, connections: CONNECTIONS }
  } else {
    const { key } = await userWithKey(server.url, sql)
    options = { url: `${server.url}/api/v1/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: BODY, connections: CONNECTIONS }
  }
  const warm = await autocannon({ ...options, duration: 3 })
  await new Promise((r) => setTimeout(r, 1_000))
  const before = { server: cpuSeconds(server.pid), pg: postgresCpuSeconds(), tx: await transactions(sql, 'bench') }
  const run = await autocannon({ ...options, duration: DURATION })
  await new Promise((r) => setTimeout(r, 1_500)) // settles still in flight
  const calls = run['2xx'] + run.non2xx
  const measured: Measured = {
    target,
    rps: run.requests.average,
    calls,
    // The profile covers the process's whole life: start, warm-up and the measured run.
    profiledCalls: calls + warm['2xx'] + warm.non2xx,
    server_cpu_ms_per_call: ((cpuSeconds(server.pid) - before.server) * 1000) / calls,
    postgres_cpu_ms_per_call: ((postgresCpuSeconds() - before.pg) * 1000) / calls,
    transactions_per_call: ((await transactions(sql, 'bench')) - before.tx) / calls,
    profileDir,
  }
  await server.stop() // SIGTERM: the server exits and writes its profile
  return measured
}

const sql = new pg.Client({ connectionString: databaseUrl })
await sql.connect()
const bare = await profiled('bare-next')
const gateway = await profiled('gateway')
await sql.end()

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const COMPONENTS: [string, RegExp][] = [
  ['(garbage collector)', /^\(garbage collector\)$/],
  ['(idle)', /^\(idle\)$/],
  ['(program: V8 and native)', /^\(program\)$/],
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

function breakdown(dir: string) {
  const byComponent = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let busy = 0
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id)!
      const us = profile.timeDeltas[i] ?? 0
      const c = component(node)
      if (c === '(idle)') return
      busy += us
      byComponent.set(c, (byComponent.get(c) ?? 0) + us)
      const where = node.callFrame.url.replace(/^.*\/(node_modules|chunks)\//, '$1/').replace(/^file:\/\//, '')
      const fn = `${node.callFrame.functionName || '(anonymous)'}  ${where}:${node.callFrame.lineNumber + 1}`
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
    })
  }
  return { busy, byComponent, byFunction }
}

const f = breakdown(bare.profileDir)
const g = breakdown(gateway.profileDir)
// Per call, in the gateway and in the bare Next.js route: the difference is what Tollgate adds.
// (Start-up, module loading and preloading, is in the profile too: it shows as Next.js and Node.js internals.)
const perCall = (us: number, m: Measured) => us / 1000 / m.profiledCalls
const names = [...new Set([...g.byComponent.keys(), ...f.byComponent.keys()])]
const result = {
  date: new Date().toISOString(),
  connections: CONNECTIONS,
  duration_seconds: DURATION,
  targets: [bare, gateway].map((m) => ({ ...m, profileDir: undefined })),
  components_ms_per_call: names
    .map((name) => ({ name, gateway: perCall(g.byComponent.get(name) ?? 0, gateway), bare: perCall(f.byComponent.get(name) ?? 0, bare) }))
    .map((c) => ({ ...c, added: c.gateway - c.bare }))
    .sort((a, b) => b.gateway - a.gateway),
  gateway_top_functions: [...g.byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([fn, us]) => ({ fn, ms_per_call: perCall(us, gateway), share: us / g.busy })),
}
writeFileSync('bench/results/profile-latest.json', `${JSON.stringify(result, null, 2)}\n`)
console.table(result.targets.map((t) => ({ target: t.target, 'req/s': Math.round(t.rps), calls: t.calls, 'server CPU ms/call': t.server_cpu_ms_per_call.toFixed(2), 'PostgreSQL CPU ms/call': t.postgres_cpu_ms_per_call.toFixed(2), 'transactions/call': t.transactions_per_call.toFixed(2) })))
console.table(result.components_ms_per_call.map((c) => ({ component: c.name, 'gateway ms/call': c.gateway.toFixed(3), 'bare Next.js route ms/call': c.bare.toFixed(3), added: c.added.toFixed(3) })))
console.table(result.gateway_top_functions.map((x) => ({ function: x.fn.slice(0, 100), 'ms/call': x.ms_per_call.toFixed(3), '%': (100 * x.share).toFixed(1) })))
await upstream.close()
await pgServer.stop()
