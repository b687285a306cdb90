// 20241201_partitioned_ledger.sql on a database that already has calls: every row moves to its
// month with its columns, keys and comments as before, the functions that name the row type
// (the batched settlement's) work on the new table, and a replay of an old call stays one row.
import { randomUUID } from 'node:crypto'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type pg from 'pg'
import { listMigrations, migrate } from '@/lib/db/migrate'
import { createEmptyDatabase, withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const MIGRATION = '20241201'

function line(userId: string, createdAt: string, requestId = `req_${randomUUID()}`) {
  return {
    user_id: userId, service_type: 'chat', provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/chat/completions',
    request_id: requestId, campaign_id: null, input_tokens: 3, output_tokens: 4, input_cost: '0.0000075', output_cost: '0.00004',
    generation_cost: '0', total_cost: '0.0000475', price_snapshot: {}, cost_status: 'priced', latency_ms: 12, status: 'success',
    error_code: null, ip_address: '198.51.100.4', user_agent: 'UA', request_payload: { messages: [] }, metadata: {}, created_at: createdAt,
  }
}

async function shape(c: pg.Client) {
  const q = async (text: string) => (await c.query(text)).rows
  return {
    columns: await q(`select a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) as def, col_description(a.attrelid, a.attnum) as comment
                        from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                       where a.attrelid = 'public.api_usage'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`),
    checks: await q(`select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'public.api_usage'::regclass and contype = 'c' order by 1`),
    comment: await q(`select obj_description('public.api_usage'::regclass, 'pg_class') as comment`),
    grants: await q(`select grantee, privilege_type from information_schema.role_table_grants where table_schema = 'public' and table_name = 'api_usage' order by 1, 2`),
    functions: await q(`select p.oid::regprocedure::text as fn, obj_description(p.oid, 'pg_proc') as comment, p.proacl::text as acl from pg_proc p
                         where p.proname in ('console_facts', 'console_record_group', 'record_usage') order by 1`),
  }
}

describe('the migration to a partitioned api_usage', () => {
  it('moves every row to its month and keeps the columns, checks, grants and the functions that name the row type', async () => {
    const db = await createEmptyDatabase('ledger')
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-before-partitions-'))
    for (const m of (await listMigrations()).filter((f) => f.version < MIGRATION)) await copyFile(m.file, path.join(dir, path.basename(m.file)))
    await migrate(db, { dir })

    const times = ['2023-04-30T23:59:59.999Z', '2023-05-01T00:00:00Z', '2024-02-29T12:00:00Z', new Date().toISOString()]
    const { userId, before, rows } = await withClient(db, async (c) => {
      const id = await insertUser(c)
      for (const t of times) await c.query('select public.record_usage($1::jsonb)', [JSON.stringify(line(id, t))])
      return {
        userId: id,
        before: await shape(c),
        rows: (await c.query(`select to_jsonb(u) as row from public.api_usage u order by created_at`)).rows.map((r) => r.row),
      }
    })

    await migrate(db)

    await withClient(db, async (c) => {
      expect(await shape(c)).toEqual(before)
      expect((await c.query(`select to_jsonb(u) as row from public.api_usage u order by created_at`)).rows.map((r) => r.row)).toEqual(rows)
      const placed = (await c.query(`select tableoid::regclass::text as part, count(*)::int as n from public.api_usage group by 1 order by 1`)).rows
      expect(placed.slice(0, 3)).toEqual([{ part: 'api_usage_2023_04', n: 1 }, { part: 'api_usage_2023_05', n: 1 }, { part: 'api_usage_2024_02', n: 1 }])
      expect(await c.query(`select 1 from pg_class where relname like 'api_usage_unpartitioned%'`)).toMatchObject({ rowCount: 0 })
      expect((await c.query(`select count(*)::int as n from public.api_usage_details`)).rows[0].n).toBe(4)

      // A replay of an old call is still one row; a new call is written, settled and rolled up.
      const replay = line(userId, times[1], rows[1].request_id)
      expect((await c.query('select public.record_usage($1::jsonb) as w', [JSON.stringify(replay)])).rows[0].w).toBe(false)
      const fresh = [line(userId, new Date().toISOString()), line(userId, new Date().toISOString())]
      expect((await c.query('select public.record_usage($1::jsonb) as w', [JSON.stringify(fresh)])).rows[0].w).toBe(true)
      expect((await c.query(`select count(*)::int as n from public.api_usage`)).rows[0].n).toBe(6)
      expect((await c.query(`select sum(calls)::int as n from public.console_user_days where user_id = $1`, [userId])).rows[0].n).toBe(6)
      expect((await c.query(`select last_call_at is not null as set from public.user_subscriptions where user_id = $1`, [userId])).rows[0].set).toBe(true)
    })
    expect(await migrate(db)).toEqual([])
  })
})
