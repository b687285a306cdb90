// Row level security and the immutable usage log, checked against a real PostgreSQL through
// the same withUser() the app uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { closeDatabase, db } from '@/lib/db/prisma'
import { withUser } from '@/lib/db/with-user'
import { withClient } from '@/test/databases'
import { insertOwnedRows, insertUser } from '@/test/fixtures'

const USER_TABLES = [
  'api_usage',
  'user_subscriptions',
  'usage_alerts',
  'api_rate_limits',
  'usage_aggregations',
  'campaigns',
  'api_keys',
  'usage_holds',
  'video_jobs',
  'stored_responses',
] as const

let alice: string
let bob: string

beforeAll(async () => {
  await withClient(process.env.DATABASE_URL!, async (client) => {
    alice = await insertUser(client)
    bob = await insertUser(client)
    await insertOwnedRows(client, alice)
    await insertOwnedRows(client, bob)
  })
})

afterAll(async () => {
  await closeDatabase()
})

/** Runs `sql` as `role` in a rolled-back transaction; returns the error code or the row count. */
async function asRole(role: string, sql: string, params: unknown[] = []): Promise<{ code?: string; rows?: number }> {
  return withClient(process.env.DATABASE_URL!, async (client: pg.Client) => {
    await client.query('begin')
    try {
      if (role !== 'owner') await client.query(`set local role ${role}`)
      const result = await client.query(sql, params)
      return { rows: result.rowCount ?? 0 }
    } catch (error) {
      return { code: (error as { code?: string }).code }
    } finally {
      await client.query('rollback')
    }
  })
}

describe('row level security', () => {
  // Partitioned tables (api_usage) and each of their partitions, the ones the app makes later
  // included (lib/usage/ledger-months.test.ts makes some and compares them with the parent).
  it('is enabled on every table in the public schema, and every policy is commented', async () => {
    const { tables, uncommented } = await withClient(process.env.DATABASE_URL!, async (client) => ({
      tables: (
        await client.query<{ relname: string; relrowsecurity: boolean }>(
          `select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
        )
      ).rows,
      uncommented: (
        await client.query<{ polname: string }>(
          `select p.polname from pg_policy p where obj_description(p.oid, 'pg_policy') is null`,
        )
      ).rows,
    }))
    expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining([...USER_TABLES, 'auth_login_throttle', 'model_prices', 'usage_alert_deliveries']))
    expect(tables.filter((t) => !t.relrowsecurity)).toEqual([])
    expect(uncommented).toEqual([])
  })

  it.each(USER_TABLES)('shows a signed-in user only their own rows in %s', async (table) => {
    const rows = await withUser(alice, (tx) =>
      tx.$queryRawUnsafe<{ user_id: string }[]>(`select user_id::text from public.${table}`),
    )
    expect(rows.length).toBeGreaterThan(0)
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([alice]))
  })

  it.each([...USER_TABLES, 'auth_login_throttle', 'usage_alert_deliveries'])('gives anon nothing from %s', async (table) => {
    expect(await asRole('anon', `select * from public.${table}`)).toEqual({ code: '42501' })
  })

  it.each(['auth_login_throttle', 'usage_alert_deliveries'])('gives a signed-in user nothing from the server-only %s', async (table) => {
    expect(await asRole('authenticated', `select * from public.${table}`)).toEqual({ code: '42501' })
  })

  it('reads the identity from request.jwt.claims exactly as Supabase sets it', async () => {
    const [row] = await withUser(bob, (tx) =>
      tx.$queryRaw<{ uid: string; role: string; current_user: string }[]>`
        select auth.uid()::text as uid, auth.role() as role, current_user::text as current_user`,
    )
    expect(row).toEqual({ uid: bob, role: 'authenticated', current_user: 'authenticated' })
  })

  it('lets a user create campaigns for themselves but not for someone else', async () => {
    const own = await withUser(alice, (tx) => tx.campaign.create({ data: { userId: alice, name: 'Spring' } }))
    expect(own.userId).toBe(alice)
    await expect(
      withUser(alice, (tx) => tx.campaign.create({ data: { userId: bob, name: 'Hijack' } })),
    ).rejects.toThrow(/row-level security/)
  })

  it('refuses a user inserting usage rows, for someone else or for themselves', async () => {
    for (const target of [bob, alice]) {
      await expect(
        withUser(alice, (tx) =>
          tx.apiUsage.create({
            data: { userId: target, serviceType: 'chat', provider: 'x', model: 'y', endpoint: '/', requestId: `forged-${target}`, status: 'success' },
          }),
        ),
      ).rejects.toThrow(/permission denied/)
    }
  })

  it('cannot change another user\'s rows even where updates are allowed', async () => {
    const changed = await withUser(alice, (tx) =>
      tx.usageAlert.updateMany({ where: { userId: bob }, data: { acknowledgedAt: new Date() } }),
    )
    expect(changed.count).toBe(0)
    const own = await withUser(alice, (tx) =>
      tx.usageAlert.updateMany({ where: { userId: alice }, data: { acknowledgedAt: new Date() } }),
    )
    expect(own.count).toBe(1)
  })
})

describe('api_usage is an immutable audit log', () => {
  const roles = ['owner', 'service_role', 'authenticated'] as const

  it.each(roles)('refuses UPDATE as %s', async (role) => {
    const result = await asRole(role, `update public.api_usage set total_cost = 0`)
    expect(result.code).toBe('42501')
  })

  it.each(roles)('refuses DELETE as %s', async (role) => {
    const result = await asRole(role, `delete from public.api_usage`)
    expect(result.code).toBe('42501')
  })

  it.each(roles)('refuses TRUNCATE as %s', async (role) => {
    const result = await asRole(role, `truncate public.api_usage cascade`)
    expect(result.code).toBe('42501')
  })

  it('names the reason when the owner tries', async () => {
    await expect(db().$executeRaw`update public.api_usage set model = 'rewritten'`).rejects.toThrow(
      /api_usage is append-only: UPDATE is not allowed/,
    )
    const rewritten = await db().apiUsage.count({ where: { model: 'rewritten' } })
    expect(rewritten).toBe(0)
  })

  it('still accepts inserts from the server', async () => {
    const before = await db().apiUsage.count()
    await db().apiUsage.create({
      data: { userId: alice, serviceType: 'image', provider: 'simulator', model: 'sim-image', endpoint: '/api/v1/images/generations', requestId: 'server-insert', imagesGenerated: 1, totalCost: '0.04', status: 'success' },
    })
    expect(await db().apiUsage.count()).toBe(before + 1)
  })
})
