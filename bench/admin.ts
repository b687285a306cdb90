// `npm run bench:admin [-- rows users requests]`: how fast every operator console page answers
// at scale. Seeds a throwaway database with `users` users (default 10,000) and `rows` usage
// rows (default 10,000,000) over 90 days (bench/admin-seed.ts), starts the production server,
// signs in as an operator and requests every page under app/(admin) over HTTP (`[id]`: a real
// user, or a plan under plans/), `requests` times each (default 30, after 3 warm-ups), in
// sequence: p50 and p95. Baseline in the same run: the sign-in page (no data, no session).
// Target: every console page under 200 ms.
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { startProductionServer } from '../test/next-server'
import { seedConsole } from './admin-seed'
import { benchDatabase, median } from './common'

const rows = Number(process.argv[2] ?? 10_000_000)
const users = Number(process.argv[3] ?? 10_000)
const requests = Number(process.argv[4] ?? 30)
const TARGET_MS = 200

const started = Date.now()
const { server: pgServer, url } = await benchDatabase('tollgate-admin', 'admin')
const sql = new pg.Client({ connectionString: url })
await sql.connect()
console.log(`database: ${url}`)
console.log(`seeding ${users.toLocaleString('en-US')} users and ${rows.toLocaleString('en-US')} usage rows …`)
await seedConsole(sql, users, rows)
const seedSeconds = (Date.now() - started) / 1000

console.log('building and starting the production server …')
const web = await startProductionServer('.next-bench', {
  DATABASE_URL: url,
  AUTH_SECRET: 'bench-secret-at-least-32-characters-long',
  AUTH_HASHES_PER_SECOND: '100000',
  DATA_DIR: path.join(os.tmpdir(), `tollgate-bench-admin-${process.pid}`),
})

try {
  const signup = await fetch(`${web.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `operator-${Date.now()}@bench.test`, password: 'a long enough password' }),
  })
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`)
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const { user } = (await signup.json()) as { user: { id: string } }
  await sql.query(`insert into public.operators (user_id, granted_by) values ($1, 'bench')`, [user.id])
  // The busiest user: the detail pages' worst case.
  const busiest = (await sql.query<{ id: string }>(`select user_id::text as id from public.console_user_days group by 1 order by sum(calls) desc limit 1`)).rows[0].id

  const pagesUnder = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name)
      return statSync(full).isDirectory() ? pagesUnder(full) : name === 'page.tsx' ? [full] : []
    })
  const urlOf = (file: string) => {
    const segments = path.dirname(path.relative('app/(admin)', file)).split(path.sep)
    return `/${segments.map((s, i) => (s.startsWith('[') ? (segments[i - 1] === 'plans' ? 'pro' : busiest) : s)).join('/')}`
  }
  const paths = pagesUnder('app/(admin)').map(urlOf).sort()
  // The Overview over its longest period too: the heaviest read.
  if (paths.includes('/admin')) paths.splice(paths.indexOf('/admin') + 1, 0, '/admin?period=90d')

  async function time(pathname: string, headers: Record<string, string>): Promise<{ p50: number; p95: number; status: number }> {
    const once = async () => {
      const t = performance.now()
      const r = await fetch(`${web.url}${pathname}`, { headers, redirect: 'manual' })
      await r.text()
      return { ms: performance.now() - t, status: r.status }
    }
    for (let i = 0; i < 3; i++) await once()
    const runs: number[] = []
    let status = 0
    for (let i = 0; i < requests; i++) {
      const r = await once()
      runs.push(r.ms)
      status = r.status
    }
    runs.sort((a, b) => a - b)
    return { p50: runs[Math.floor(runs.length * 0.5)], p95: runs[Math.min(runs.length - 1, Math.ceil(runs.length * 0.95) - 1)], status }
  }

  const results: { page: string; status: number; p50: number; p95: number; ok: boolean }[] = []
  const baseline = await time('/login', {})
  results.push({ page: '/login (baseline)', ...baseline, ok: true })
  for (const p of paths) {
    const r = await time(p, { cookie })
    results.push({ page: p.replace(busiest, '<busiest user>'), ...r, ok: r.status === 200 && r.p95 < TARGET_MS })
  }
  const counts = (await sql.query<{ usage: string; users: string; model_days: string; user_days: string; hours: string }>(
    `select (select count(*) from public.api_usage)::text as usage, (select count(*) from auth.users)::text as users,
            (select count(*) from public.console_model_days)::text as model_days, (select count(*) from public.console_user_days)::text as user_days,
            (select count(*) from public.console_provider_hours)::text as hours`,
  )).rows[0]
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`
  console.log(`\n${machine}`)
  console.log(`api_usage ${counts.usage} rows, ${counts.users} users; rollups: console_model_days ${counts.model_days}, console_user_days ${counts.user_days}, console_provider_hours ${counts.hours}; seeded in ${seedSeconds.toFixed(0)} s`)
  console.table(results.map((r) => ({ page: r.page, status: r.status, 'p50 ms': r.p50.toFixed(1), 'p95 ms': r.p95.toFixed(1), [`< ${TARGET_MS} ms`]: r.ok ? 'yes' : 'NO' })))
  writeFileSync('bench/results/admin-latest.json', JSON.stringify({ machine, rows, users, requests, counts, seedSeconds, results }, null, 2))
  // The data layer of the heaviest reads in this process (median of 10 after 2 warm-ups): where
  // a page's time goes.
  process.env.DATABASE_URL = url
  const { withOperatorRead } = await import('../lib/admin/db')
  const { rangeFor } = await import('../lib/admin/reports/range')
  const { overview } = await import('../lib/admin/reports/overview')
  const { revenueByDay } = await import('../lib/admin/reports/revenue')
  const { topUsers } = await import('../lib/admin/reports/top-users')
  const { usageByModel } = await import('../lib/admin/reports/models')
  const { providerHealth } = await import('../lib/admin/reports/providers')
  const { closeDatabase } = await import('../lib/db/prisma')
  const layer: Record<string, string> = {}
  for (const period of ['month', '90d'] as const) {
    const range = rangeFor(period)
    layer[`overview(${period})`] = `${(await median(() => overview(range), 10, 2)).toFixed(1)} ms`
    layer[`  top users (${period})`] = `${(await median(() => withOperatorRead((tx) => topUsers(tx, range, 10)), 10, 2)).toFixed(1)} ms`
    layer[`  revenue (${period})`] = `${(await median(() => withOperatorRead((tx) => revenueByDay(tx, range)), 10, 2)).toFixed(1)} ms`
    layer[`usageByModel(${period})`] = `${(await median(() => usageByModel(range), 10, 2)).toFixed(1)} ms`
  }
  layer['providerHealth()'] = `${(await median(() => providerHealth(), 10, 2)).toFixed(1)} ms`
  console.table(layer)
  await closeDatabase()
  writeFileSync('bench/results/admin-latest.json', JSON.stringify({ machine, rows, users, requests, counts, seedSeconds, results, layer }, null, 2))

  const missed = results.filter((r) => !r.ok)
  if (missed.length) console.log(`${missed.length} page(s) missed the target: ${missed.map((r) => r.page).join(', ')}`)
  process.exitCode = missed.length ? 1 : 0
} finally {
  await web.stop()
  await sql.end()
  await pgServer.stop()
}
