// `npm run bench:history [-- rows [months]]`: do per-call and per-page costs stay flat as history
// grows? Seeds users with 0 and N usage rows (default 1,000,000; pass 100000000 for a hundred
// million) spread over the last `months` months (default 3; each a partition of api_usage),
// then measures admission + settlement latency and the usage reads for each, and prints
// EXPLAIN (ANALYZE, BUFFERS) of the hot queries to show none of them scans api_usage (nor
// reads more than the newest months: older partitions show "never executed").
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { benchDatabase, median } from './common'

const rows = Number(process.argv[2] ?? 1_000_000)
const months = Number(process.argv[3] ?? 3)
const { server, url } = await benchDatabase('tollgate-history', 'history')
const db = new pg.Client({ connectionString: url })
await db.connect()
// A throwaway server: fewer checkpoints while a large seed writes (its WAL is recycled either way).
await db.query(`alter system set max_wal_size = '2GB'`)
await db.query(`alter system set checkpoint_timeout = '30min'`)
await db.query('select pg_reload_conf()')

async function user(email: string): Promise<string> {
  return (await db.query<{ id: string }>('insert into auth.users (email) values ($1) returning id::text', [email])).rows[0].id
}
const empty = await user('empty@example.test')
const full = await user('full@example.test')
console.log(`seeding ${rows.toLocaleString('en-US')} rows over ${months} month(s) …`)
const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed-usage.ts', 'full@example.test', String(rows), String(months)], {
  env: { ...process.env, DATABASE_URL: url },
  stdio: ['ignore', 'inherit', 'inherit'],
})
if (seeded.status !== 0) throw new Error(`seeding failed (${seeded.status})`)
const [size] = (await db.query<{ parts: number; bytes: string; rows: string }>(
  `select count(*)::int as parts, sum(pg_total_relation_size(inhrelid))::text as bytes, (select count(*) from public.api_usage)::text as rows
     from pg_inherits where inhparent = 'public.api_usage'::regclass`,
)).rows
console.log(`api_usage: ${Number(size.rows).toLocaleString('en-US')} rows in ${size.parts} partitions, ${(Number(size.bytes) / 1e9).toFixed(2)} GB with indexes (${Math.round(Number(size.bytes) / Math.max(Number(size.rows), 1))} bytes per row)`)

const admit = (id: string, requestId: string) => db.query(`select public.gateway_admit($1, 'chat', 1, 0.001, $2, 600)`, [id, requestId])
const settle = (id: string, requestId: string) =>
  db.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({ user_id: id, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/bench', request_id: requestId, total_cost: '0.001', input_cost: '0.001', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
  ])
// The start of last month (UTC) as a literal, as lib/usage/recent-window.ts sends it (a bound parameter).
const now = new Date()
const WINDOW = `'${new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString()}'::timestamptz`
const QUERIES = {
  'usage summary (month rollups)': `select sum(total_cost), sum(request_count) from public.usage_aggregations where user_id = $1 and period_type = 'month'`,
  'dashboard (30 day rollups)': `select * from public.usage_aggregations where user_id = $1 and period_type = 'day' and period_start >= current_date - 29`,
  'recent 10 calls': `select * from public.api_usage where user_id = $1 order by created_at desc, id desc limit 10`,
  'history page (keyset)': `select * from public.api_usage where user_id = $1 and (created_at, id) < (now(), '00000000-0000-0000-0000-000000000000'::uuid) order by created_at desc, id desc limit 21`,
  // As the Usage tab reads them (lib/usage/recent-window.ts): the newest months first, bounded
  // by a value the planner sees, so it plans those partitions only (planning every month of a
  // long history costs more than reading the rows).
  'recent 10 (newest months)': `select * from public.api_usage where user_id = $1 and created_at >= ${WINDOW} order by created_at desc, id desc limit 10`,
  'history page (newest months)': `select * from public.api_usage where user_id = $1 and created_at >= ${WINDOW} and (created_at, id) < (now(), '00000000-0000-0000-0000-000000000000'::uuid) order by created_at desc, id desc limit 21`,
  'admission: holds in flight': `select coalesce(sum(units), 0) from public.usage_holds where user_id = $1 and period_start = now()`,
  // What settlement's last-call trigger (20241129) reads for every call.
  'settlement: newest call': `select created_at from public.api_usage where user_id = $1 order by created_at desc limit 1`,
}

const table: Record<string, string>[] = []
for (const [label, id] of [['0 rows', empty], [`${rows.toLocaleString('en-US')} rows`, full]] as const) {
  const line: Record<string, string> = { user: label }
  line['admit + settle'] = `${(await median(async () => {
    const r = `bench_${randomUUID()}`
    await admit(id, r)
    await settle(id, r)
  })).toFixed(2)} ms`
  for (const [name, text] of Object.entries(QUERIES)) line[name] = `${(await median(() => db.query(text, [id]))).toFixed(2)} ms`
  table.push(line)
}
console.table(table)

let scans = 0
for (const [name, text] of Object.entries(QUERIES)) {
  const plan = (await db.query(`explain (analyze, buffers) ${text}`, [full])).rows.map((r) => r['QUERY PLAN']).join('\n')
  const scan = /Seq Scan on api_usage/.test(plan)
  scans += scan ? 1 : 0
  console.log(`\n-- ${name}${scan ? '   <-- SCANS api_usage' : ''}\n${plan}`)
}
console.log(scans ? `\n${scans} hot query(ies) scan api_usage` : '\nno hot query scans api_usage')
await db.end()
await server.stop()
process.exit(scans ? 1 : 0)
