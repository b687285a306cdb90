import autocannon from 'autocannon'
import pg from 'pg'
import { startFakeOpenAI } from '../test/fakes/openai'
import { startProductionServer } from '../test/next-server'
import { benchDatabase, CHAT_BODY, serverEnv, userWithKey } from './common'
const { server: pgServer, url } = await benchDatabase('tollgate-fn', 'bench')
const admin = new pg.Client({ connectionString: pgServer.adminUrl }); await admin.connect()
await admin.query(`alter database bench set track_functions = 'all'`)
const upstream = await startFakeOpenAI()
const server = await startProductionServer('.next-bench', serverEnv(url, upstream))
const sql = new pg.Client({ connectionString: url }); await sql.connect()
const conns = Number(process.env.C ?? 32)
const users = Number(process.env.U ?? 1)
const keys: string[] = []
for (let i = 0; i < users; i++) keys.push((await userWithKey(server.url, sql)).key)
let next = 0
const opts = { url: `${server.url}/api/v1/chat/completions`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[0]}` }, body: CHAT_BODY, connections: conns,
  setupClient: (c: { setHeaders: (h: Record<string, string>) => void }) => c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${keys[next++ % keys.length]}` }) }
await autocannon({ ...opts, duration: 3 })
await new Promise((r) => setTimeout(r, 12000))
const s0 = await admin.query(`select pg_stat_reset()`).catch(() => null)
void s0
await new Promise((r) => setTimeout(r, 1000))
const r = await autocannon({ ...opts, duration: 10 })
await new Promise((r) => setTimeout(r, 12000))
const calls = r['2xx']
const fns = await (new pg.Client({ connectionString: url })).connect().then(async function (this: unknown) { return null })
void fns
const c2 = new pg.Client({ connectionString: url }); await c2.connect()
const out = await c2.query(`select funcname, calls, round(total_time::numeric,1) total_ms, round(self_time::numeric,1) self_ms, round((self_time/$1)::numeric,4) self_ms_per_call from pg_stat_user_functions order by self_time desc limit 25`, [calls])
console.log('calls', calls)
console.table(out.rows)
const tabs = await c2.query(`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del from pg_stat_user_tables where n_tup_ins+n_tup_upd+n_tup_del > 0 order by n_tup_ins+n_tup_upd+n_tup_del desc limit 25`)
console.table(tabs.rows)
await c2.end(); await sql.end(); await admin.end(); await server.stop(); await upstream.close(); await pgServer.stop()
