// `npm run bench:history [-- rows]`: do per-call and per-page costs stay flat as history grows?
// Seeds users with 0 and N usage rows (default 1,000,000; pass 10000000 for ten million), then
// measures admission + settlement latency and the usage reads for each, and prints
// EXPLAIN (ANALYZE, BUFFERS) of the hot queries to show none of them scans api_usage.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { benchDatabase, median } from './common'

const rows = Number(process.argv[2] ?? 1_000_000)
const { server, url } = await benchDatabase('tollgate-history', 'history')
const db = new pg.Client({ connectionString: url })
await db.connect()

async function user(email: string): Promise<string> {
  return (await db.query<{ id: string }>('insert into auth.users (email) values ($1) returning id::text', [email])).rows[0].id
}
const empty = await user('empty@example.test')
const full = await user('full@example.test')
console.log(`seeding ${rows.toLocaleString('en-US')} rows …`)
const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed-usage.ts', 'full@example.test', String(rows)], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' })
console.log(seeded.stdout.trim(), seeded.stderr.trim())

const admit = (id: string, requestId: string) => db.query(`select public.gateway_admit($1, 'chat', 1, 0.001, $2, 600)`, [id, requestId])
const settle = (id: string, requestId: string) =>
  db.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({ user_id: id, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/bench', request_id: requestId, total_cost: '0.001', input_cost: '0.001', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success' }),
  ])
const QUERIES = {
  'usage summary (month rollups)': `select sum(total_cost), sum(request_count) from public.usage_aggregations where user_id = $1 and period_type = 'month'`,
  'dashboard (30 day rollups)': `select * from public.usage_aggregations where user_id = $1 and period_type = 'day' and period_start >= current_date - 29`,
  'recent 10 calls': `select * from public.api_usage where user_id = $1 order by created_at desc, id desc limit 10`,
  'history page (keyset)': `select * from public.api_usage where user_id = $1 and (created_at, id) < (now(), '00000000-0000-0000-0000-000000000000'::uuid) order by created_at desc, id desc limit 21`,
  'admission: holds in flight': `select coalesce(sum(units), 0) from public.usage_holds where user_id = $1 and period_start = now()`,
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
