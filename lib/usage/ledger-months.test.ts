// The ledger partitioned by month (20241201_partitioned_ledger.sql, lib/usage/ledger-months.ts):
// months created ahead and on demand, each as guarded as api_usage itself, one row per call
// across retries, and retention that drops whole past months and nothing else.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { closeDatabase } from '@/lib/db/prisma'
import { storeUsageRow } from '@/lib/metering/store'
import type { UsageRow } from '@/lib/metering/row'
import { applyLedgerRetention, createLedgerMonth, listLedgerMonths, planLedgerRetention, prepareLedgerMonths } from '@/lib/usage/ledger-months'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!
const sql = <T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(url(), async (c) => (await c.query<T>(text, params)).rows)

function monthStart(offset: number, now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1))
}
const ym = (d: Date) => d.toISOString().slice(0, 7)

function usageRow(userId: string, createdAt: Date, extra: Partial<UsageRow> = {}): UsageRow {
  return {
    user_id: userId, service_type: 'chat', provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/chat/completions',
    request_id: `req_${randomUUID()}`, campaign_id: null, input_tokens: 3, output_tokens: 4, cached_tokens: 0, reasoning_tokens: 0,
    images_generated: 0, video_seconds: 0, input_cost: '0.0000075', output_cost: '0.00004', generation_cost: '0', total_cost: '0.0000475',
    price_snapshot: {}, cost_status: 'priced', latency_ms: 12, time_to_first_token_ms: null, status: 'success', error_code: null,
    ip_address: '198.51.100.4', user_agent: 'UA', request_payload: { messages: [] }, response_payload: null, metadata: {},
    created_at: createdAt.toISOString(), ...extra,
  } as unknown as UsageRow
}

const record = (row: UsageRow | UsageRow[]) => sql<{ written: boolean }>('select public.record_usage($1::jsonb) as written', [JSON.stringify(row)])

/** Every partition of api_usage, with what PostgreSQL does not copy from the parent by itself. */
async function partitions() {
  return sql<{ name: string; rls: boolean; policies: string[]; acl: string[]; triggers: string[]; indexes: number }>(
    `select c.relname as name, c.relrowsecurity as rls,
            array(select p.policyname || ' ' || p.permissive || ' ' || p.cmd || ' ' || p.roles::text || ' ' || coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
                    from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname order by 1) as policies,
            array(select a.grantee::regrole::text || ' ' || a.privilege_type from aclexplode(c.relacl) a where a.grantee <> c.relowner order by 1) as acl,
            array(select t.tgname::text from pg_trigger t where t.tgrelid = c.oid order by 1) as triggers,
            (select count(*)::int from pg_index i where i.indrelid = c.oid) as indexes
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'public.api_usage'::regclass
      union all
     select 'api_usage', c.relrowsecurity,
            array(select p.policyname || ' ' || p.permissive || ' ' || p.cmd || ' ' || p.roles::text || ' ' || coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
                    from pg_policies p where p.schemaname = 'public' and p.tablename = 'api_usage' order by 1),
            array(select a.grantee::regrole::text || ' ' || a.privilege_type from aclexplode(c.relacl) a where a.grantee <> c.relowner order by 1),
            array(select t.tgname::text from pg_trigger t where t.tgrelid = c.oid and t.tgname <> 'api_usage_notify' order by 1),
            (select count(*)::int from pg_index i where i.indrelid = c.oid)
       from pg_class c where c.oid = 'public.api_usage'::regclass`,
  )
}

describe('the months of api_usage', () => {
  it('is partitioned by range of created_at, this month and the next made by the migration', async () => {
    const [{ kind, key }] = await sql<{ kind: string; key: string }>(`select c.relkind::text as kind, pg_get_partkeydef(c.oid) as key from pg_class c where c.oid = 'public.api_usage'::regclass`)
    expect({ kind, key }).toEqual({ kind: 'p', key: 'RANGE (created_at)' })
    const months = (await listLedgerMonths()).map((m) => m.month)
    expect(months).toEqual(expect.arrayContaining([ym(monthStart(0)), ym(monthStart(1))]))
    // No DEFAULT partition: every partition has bounds (see the migration for why).
    expect((await sql(`select 1 from pg_partitioned_table where partrelid = 'public.api_usage'::regclass and partdefid <> 0`)).length).toBe(0)
  })

  it('are made ahead by the app, idempotently, and on demand for any month', async () => {
    await prepareLedgerMonths(3)
    await prepareLedgerMonths(3)
    const old = new Date('2019-03-15T12:00:00Z')
    await createLedgerMonth(old)
    await createLedgerMonth(old.toISOString())
    // Several processes needing the same new month at once: one creates it, the others find it.
    await Promise.all(Array.from({ length: 8 }, () => createLedgerMonth('2016-06-15T00:00:00Z')))
    const months = (await listLedgerMonths()).map((m) => m.month)
    expect(months).toEqual(expect.arrayContaining([ym(monthStart(2)), ym(monthStart(3)), '2019-03']))
    expect(months.filter((m) => m === '2019-03' || m === '2016-06')).toEqual(['2016-06', '2019-03'])
    expect(months).toEqual([...months].sort())
  })

  it('each have row level security, the policies, grants, guards and indexes of api_usage (every partition, the app-made ones too)', async () => {
    await createLedgerMonth(new Date('2020-07-01T00:00:00Z'))
    const all = await partitions()
    const parent = all.find((p) => p.name === 'api_usage')!
    expect(parent.rls).toBe(true)
    expect(parent.policies).toHaveLength(1)
    expect(parent.triggers).toEqual(['api_usage_no_truncate', 'api_usage_no_update_delete'])
    const children = all.filter((p) => p.name !== 'api_usage')
    expect(children.length).toBeGreaterThanOrEqual(3)
    for (const child of children) {
      expect({ ...child, name: 'api_usage' }, child.name).toEqual(parent)
    }
  })

  it('refuses UPDATE, DELETE and TRUNCATE on a partition made by the app, and shows a user only their own rows in it', async () => {
    const [alice, bob] = await withClient(url(), async (c) => [await insertUser(c), await insertUser(c)])
    const at = new Date('2021-05-10T10:00:00Z')
    await createLedgerMonth(at)
    await record([usageRow(alice, at), usageRow(bob, at)])
    for (const statement of ['update public.api_usage_2021_05 set total_cost = 0', 'delete from public.api_usage_2021_05', 'truncate public.api_usage_2021_05']) {
      const error = await sql(statement).catch((e: { code?: string; message: string }) => e)
      expect(error, statement).toMatchObject({ code: '42501', message: expect.stringMatching(/api_usage is append-only/) })
    }
    const seen = await withClient(url(), async (c) => {
      await c.query('begin')
      await c.query(`set local role authenticated`)
      await c.query(`select set_config('request.jwt.claims', json_build_object('sub', $1::text, 'role', 'authenticated')::text, true)`, [alice])
      const direct = (await c.query('select user_id::text from public.api_usage_2021_05')).rows
      const parent = (await c.query(`select user_id::text from public.api_usage where created_at >= '2021-05-01' and created_at < '2021-06-01'`)).rows
      await c.query('rollback')
      return { direct, parent }
    })
    expect(seen).toEqual({ direct: [{ user_id: alice }], parent: [{ user_id: alice }] })
  })
})

describe('one row per call', () => {
  it('keeps record_usage idempotent across retries, one row at a time or in groups', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const row = usageRow(userId, new Date())
    const other = usageRow(userId, new Date())
    expect(await record(row)).toEqual([{ written: true }])
    expect(await record(row)).toEqual([{ written: false }])
    expect(await record([row, other])).toEqual([{ written: true }])
    expect(await record([other, row])).toEqual([{ written: false }])
    await storeUsageRow(row)
    const [counts] = await sql<{ rows: number; calls: number }>(
      `select (select count(*)::int from public.api_usage where user_id = $1) as rows,
              (select sum(request_count)::int from public.usage_aggregations where user_id = $1 and period_type = 'day') as calls`,
      [userId],
    )
    expect(counts).toEqual({ rows: 2, calls: 2 })
  })

  it('writes a row whose month has no partition yet (an old spool replay) by creating the month, once', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const at = new Date('2018-11-20T08:00:00Z')
    const row = usageRow(userId, at)
    await expect(record(row)).rejects.toThrow(/no partition of relation "api_usage" found for row/)
    await storeUsageRow(row)
    await storeUsageRow(row)
    const rows = await sql(`select request_id from public.api_usage_2018_11 where user_id = $1`, [userId])
    expect(rows).toEqual([{ request_id: row.request_id }])
    expect(await sql(`select request_id from public.api_usage_details where request_id = $1`, [row.request_id])).toHaveLength(1)
  })

  it('finds the user\'s newest call (the last-call trigger) in the newest month, without reading older months', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    for (const at of [new Date('2022-01-10T00:00:00Z'), new Date('2022-02-10T00:00:00Z'), new Date()]) {
      await createLedgerMonth(at)
      await record(usageRow(userId, at))
    }
    const plan = (await sql<{ 'QUERY PLAN': string }>(
      `explain (analyze, costs off, timing off, summary off) select a.created_at from public.api_usage a where a.user_id = $1 order by a.created_at desc limit 1`,
      [userId],
    )).map((r) => r['QUERY PLAN']).join('\n')
    expect(plan).not.toMatch(/Merge Append|Sort/)
    expect(plan).toMatch(/on api_usage_2022_01 \w+ \(never executed\)/)
    expect(plan).toMatch(new RegExp(`on api_usage_${ym(monthStart(0)).replace('-', '_')} \\w+ \\(actual rows=1 `))
  })
})

describe('retention', () => {
  async function snapshotRollups() {
    return sql<{ t: string; n: number; total: string }>(
      `select 'usage_aggregations' as t, count(*)::int as n, coalesce(sum(total_cost), 0)::text as total from public.usage_aggregations
       union all select 'console_user_days', count(*)::int, coalesce(sum(cost), 0)::text from public.console_user_days
       union all select 'console_user_months', count(*)::int, coalesce(sum(cost), 0)::text from public.console_user_months
       union all select 'console_model_days', count(*)::int, coalesce(sum(cost), 0)::text from public.console_model_days
       union all select 'console_provider_hours', count(*)::int, coalesce(sum(calls), 0)::text from public.console_provider_hours`,
    )
  }

  it('says what it would drop, drops nothing without --apply, then drops whole months and their details, keeping the rollups', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const old = [new Date('2017-01-05T00:00:00Z'), new Date('2017-01-25T00:00:00Z'), new Date('2017-02-05T00:00:00Z'), new Date('2017-03-05T00:00:00Z')]
    for (const at of old) await storeUsageRow(usageRow(userId, at))
    await storeUsageRow(usageRow(userId, new Date()))
    await sql('analyze public.api_usage')
    const rollups = await snapshotRollups()

    const plan = await planLedgerRetention({ before: '2017-03' })
    expect(plan.firstKept).toBe('2017-03')
    expect(plan.drop.map((m) => [m.month, m.partition])).toEqual(
      (await listLedgerMonths()).filter((m) => m.month < '2017-03').map((m) => [m.month, m.partition]),
    )
    expect(plan.drop.map((m) => m.month)).toEqual(expect.arrayContaining(['2017-01', '2017-02']))
    expect(plan.drop.find((m) => m.month === '2017-01')!.rows).toBe(2)
    expect(plan.keep.map((m) => m.month)).toEqual(expect.arrayContaining(['2017-03', ym(monthStart(0))]))
    expect(await sql('select count(*)::int as n from public.api_usage where user_id = $1', [userId])).toEqual([{ n: 5 }]) // a plan only

    const done = await applyLedgerRetention(plan)
    expect(done.dropped).toEqual(plan.drop.map((m) => m.month))
    expect(done.details).toBeGreaterThanOrEqual(3)
    expect(await sql('select count(*)::int as n from public.api_usage where user_id = $1', [userId])).toEqual([{ n: 2 }])
    expect(await sql(`select to_regclass('public.api_usage_2017_01') as t`)).toEqual([{ t: null }])
    expect(await sql(`select count(*)::int as n from public.api_usage_details where user_id = $1`, [userId])).toEqual([{ n: 2 }])
    expect(await snapshotRollups()).toEqual(rollups)
    expect((await listLedgerMonths()).map((m) => m.month)).not.toContain('2017-02')
  })

  it('refuses to drop the current month, in the app and in the database', async () => {
    const next = ym(monthStart(1))
    await expect(planLedgerRetention({ before: next })).rejects.toThrow(`would drop the current month (${ym(monthStart(0))})`)
    await expect(planLedgerRetention({ keepMonths: 0 })).rejects.toThrow(/at least the current month/)
    await expect(planLedgerRetention({ before: '2024-13' })).rejects.toThrow(/YYYY-MM/)
    const keepOne = await planLedgerRetention({ keepMonths: 1 })
    expect(keepOne.firstKept).toBe(ym(monthStart(0)))
    await expect(sql('select public.api_usage_drop_month($1::date)', [monthStart(0).toISOString().slice(0, 10)])).rejects.toThrow(/is not over/)
    await expect(sql('select public.api_usage_drop_month($1::date)', [monthStart(1).toISOString().slice(0, 10)])).rejects.toThrow(/is not over/)
    expect((await listLedgerMonths()).map((m) => m.month)).toEqual(expect.arrayContaining([ym(monthStart(0)), ym(monthStart(1))]))
  })

  it('is not open to the API roles', async () => {
    const error = await withClient(url(), async (c) => {
      await c.query('begin')
      await c.query('set local role authenticated')
      return c.query(`select public.api_usage_drop_month('2017-03-01')`).then(() => null, (e: { code?: string }) => e.code)
    })
    expect(error).toBe('42501')
  })
})
