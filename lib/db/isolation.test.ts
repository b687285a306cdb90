// Tenant isolation in the database itself, table by table: user A, signed in exactly as
// withUser() signs in (role authenticated + request.jwt.claims), and anon, against a user B who
// has at least one row in every table. The tables are read from the catalog when the file
// loads, so a table added later without a fixture row for B fails here by name.
import { createHash, randomUUID } from 'node:crypto'
import type pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { insertOwnedRows, insertUser } from '@/test/fixtures'

/**
 * What each table holds and who may read it.
 *   bRows: a condition (run as the owner) choosing B's rows, over the table's columns and
 *          bob_id / bob_email; null when the table holds nothing of any user's.
 *   authenticated: 'own' = RLS shows a user their own rows; 'none' = server only, no grant at
 *          all; 'all' = reference data every signed-in user may read.
 */
type Fixture = { bRows: string | null; authenticated: 'own' | 'none' | 'all' }

const FIXTURES: Record<string, Fixture> = {
  'public.api_usage': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.api_usage_details': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.api_keys': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.api_rate_limits': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.campaigns': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.usage_aggregations': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.usage_alerts': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.usage_holds': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.user_subscriptions': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.video_jobs': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.stored_responses': { bRows: 'user_id = bob_id', authenticated: 'own' },
  'public.usage_alert_deliveries': { bRows: 'alert_id in (select id from public.usage_alerts where user_id = bob_id)', authenticated: 'none' },
  'public.auth_session_epochs': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.auth_ended_sessions': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.auth_attempt_buckets': { bRows: null, authenticated: 'none' },
  'public.auth_login_throttle': { bRows: `email_hash = encode(sha256(convert_to(lower(bob_email), 'UTF8')), 'hex')`, authenticated: 'none' },
  'public.stripe_events': { bRows: `id = 'evt_' || bob_id`, authenticated: 'none' },
  // Operators' tables: server only (the console and operator API read them as the app's login).
  'public.operators': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.operator_audit': { bRows: 'target_user = bob_id', authenticated: 'none' },
  'public.operator_keys': { bRows: `created_by = 'operator:' || bob_email`, authenticated: 'none' },
  'public.user_external_ids': { bRows: 'user_id = bob_id', authenticated: 'none' },
  // Console rollups and Stripe's paid invoices: server only (operators read them).
  'public.console_user_days': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.console_user_months': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.console_model_days': { bRows: null, authenticated: 'none' },
  'public.console_provider_hours': { bRows: null, authenticated: 'none' },
  'public.stripe_invoices': { bRows: 'user_id = bob_id', authenticated: 'none' },
  'public.model_prices': { bRows: null, authenticated: 'all' },
  'public.plans': { bRows: null, authenticated: 'all' },
  'public.app_settings': { bRows: null, authenticated: 'none' },
  'auth.users': { bRows: 'id = bob_id', authenticated: 'none' },
  'supabase_migrations.schema_migrations': { bRows: null, authenticated: 'none' },
}

const SYSTEM_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`

type Relation = { name: string; kind: string; rls: boolean; forced: boolean; owner: string; hasUserId: boolean }

// Read at collection time so that each table is its own named test.
const RELATIONS = await withClient(process.env.DATABASE_URL!, async (client) =>
  (
    await client.query<Relation>(
      `select format('%s.%s', n.nspname, c.relname) as name, c.relkind::text as kind, c.relrowsecurity as rls,
              c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner,
              exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'user_id' and not a.attisdropped) as "hasUserId"
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and ${SYSTEM_SCHEMAS} and not c.relispartition
        order by 1`,
    )
  ).rows,
)
const TABLE_NAMES = RELATIONS.map((r) => r.name)

let alice: string
let bob: string
const bobEmail = `bob-${randomUUID()}@example.test`

/** Everything of B's that the fixtures in test/fixtures.ts do not already insert. */
async function insertServerOnlyRows(client: pg.Client, userId: string, email: string): Promise<void> {
  await client.query(
    `insert into public.usage_alert_deliveries (alert_id, url) select id, 'https://hooks.example.test/' || user_id from public.usage_alerts where user_id = $1`,
    [userId],
  )
  await client.query(`insert into public.auth_session_epochs (user_id, valid_after) values ($1, now())`, [userId])
  await client.query(`insert into public.auth_ended_sessions (session_id, user_id, expires_at) values (gen_random_uuid(), $1, now() + interval '1 day')`, [userId])
  await client.query(`insert into public.auth_login_throttle (email_hash, failures) values ($1, 2)`, [createHash('sha256').update(email.toLowerCase()).digest('hex')])
  await client.query(`insert into public.stripe_events (id, type, created_at_stripe, outcome) values ('evt_' || $1, 'invoice.paid', now(), 'applied')`, [userId])
  await client.query(`insert into public.operators (user_id, granted_by) values ($1, 'cli')`, [userId])
  await client.query(`insert into public.operator_audit (actor, action, target_user, before, after) values ('cli', 'user.plan', $1, '{}', '{}')`, [userId])
  await client.query(`insert into public.operator_keys (kind, name, key_prefix, key_hash, created_by) values ('admin', 'b', 'tga_b', encode(sha256(convert_to($1, 'UTF8')), 'hex'), 'operator:' || $2)`, [userId, email])
  await client.query(`insert into public.user_external_ids (external_id, user_id) values ('ext-' || $1, $1::uuid)`, [userId])
  await client.query(`insert into public.console_user_days (day, user_id, calls, cost) values (current_date, $1, 1, 0.5)`, [userId])
  await client.query(`insert into public.console_user_months (month, user_id, calls, cost) values (date_trunc('month', current_date), $1, 1, 0.5)`, [userId])
  await client.query(`insert into public.console_model_days (day, provider, model, shard, calls) values (current_date, 'isolation', $1, 0, 1)`, [userId])
  await client.query(`insert into public.console_provider_hours (hour, provider, shard, calls) values (date_trunc('hour', now()), 'isolation-' || $1, 0, 1)`, [userId])
  await client.query(
    `insert into public.stripe_invoices (id, user_id, customer, amount_paid, currency, period_start, period_end, paid_at)
     values ('in_' || $1, $1::uuid, 'cus_b', 2000, 'usd', now(), now() + interval '1 month', now())`,
    [userId],
  )
}

beforeAll(async () => {
  await withClient(process.env.DATABASE_URL!, async (client) => {
    alice = await insertUser(client)
    bob = await insertUser(client, bobEmail)
    await insertOwnedRows(client, alice)
    await insertOwnedRows(client, bob)
    await insertServerOnlyRows(client, bob, bobEmail)
    await client.query(`insert into public.model_prices (provider, model, unit, price, effective_from, source) values ('acme', 'isolation-test', 'image', 0.01, now(), 'test')`)
  })
})

/** What a statement did: its rows, or the SQLSTATE it failed with (42501: permission denied). */
type Outcome = { code: string } | { code?: undefined; rows: Record<string, unknown>[]; rowCount: number }
const DENIED = { code: '42501' }

/**
 * Runs `sql` in a rolled-back transaction as `role`, with the claims set the way withUser()
 * sets them: transaction-local request.jwt.claims and role, in one statement.
 */
async function as(role: 'authenticated' | 'anon', userId: string | null, sql: string, params: unknown[] = []): Promise<Outcome> {
  const claims = role === 'authenticated' ? { aud: 'authenticated', sub: userId, role } : { role }
  return withClient(process.env.DATABASE_URL!, async (client) => {
    await client.query('begin')
    try {
      await client.query(`select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)`, [JSON.stringify(claims), role])
      const result = await client.query(sql, params)
      return { rows: result.rows, rowCount: result.rowCount ?? 0 }
    } catch (error) {
      const code = (error as { code?: string }).code
      if (!code) throw error
      return { code }
    } finally {
      await client.query('rollback')
    }
  })
}

/** B's rows of `table`: the FROM clause that gives a fixture's condition bob_id and bob_email. */
const fromBob = (table: string) => `${table} t, (select $1::uuid as bob_id, $2::text as bob_email) bob`

/** Row identities (table oid + ctid) of B's rows in `table`, read as the owner. */
async function bobsRowIds(table: string, bRows: string): Promise<string[]> {
  return withClient(process.env.DATABASE_URL!, async (client) =>
    (await client.query<{ id: string }>(`select t.tableoid::text || t.ctid::text as id from ${fromBob(table)} where ${bRows}`, [bob, bobEmail])).rows.map((r) => r.id),
  )
}

const fixtureOf = (table: string): Fixture => {
  const fixture = FIXTURES[table]
  if (!fixture) throw new Error(`table ${table} has no fixture row for B; add one to FIXTURES in lib/db/isolation.test.ts (and say who may read it)`)
  return fixture
}

describe('every table has a fixture row for B', () => {
  it('knows every table in the catalog, and only those', () => {
    expect(TABLE_NAMES).toContain('public.api_usage')
    expect(Object.keys(FIXTURES).filter((t) => !TABLE_NAMES.includes(t)), 'FIXTURES names tables that no longer exist').toEqual([])
  })

  it.each(TABLE_NAMES)('%s', async (table) => {
    const { bRows } = fixtureOf(table)
    if (bRows === null) return
    expect((await bobsRowIds(table, bRows)).length, `table ${table} has no fixture row for B; add one`).toBeGreaterThan(0)
  })
})

describe('row level security is on wherever a user role could reach a row', () => {
  it('is enabled on every table of the public schema', () => {
    expect(RELATIONS.filter((r) => r.name.startsWith('public.') && !r.rls).map((r) => r.name)).toEqual([])
  })

  it('is enabled on every relation anon or authenticated holds any privilege on, in any schema', async () => {
    const reachable = await withClient(process.env.DATABASE_URL!, async (client) =>
      (
        await client.query<{ name: string }>(
          `select format('%s.%s', n.nspname, c.relname) as name
             from pg_class c join pg_namespace n on n.oid = c.relnamespace, unnest(array['anon', 'authenticated']) as r(role)
            where c.relkind in ('r', 'p', 'v', 'm', 'f') and ${SYSTEM_SCHEMAS}
              and (has_table_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                   or has_any_column_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
              and not c.relrowsecurity`,
        )
      ).rows,
    )
    expect(reachable).toEqual([])
  })

  // FORCE ROW LEVEL SECURITY would bind the table owner too, and the owner is the app's
  // privileged writer (settle, webhooks). RLS is therefore enabled, not forced, and that is
  // only safe while no user role owns a table, bypasses RLS, or can become another role.
  it('is not forced, which is safe because no user role owns a table, bypasses RLS or inherits a role', async () => {
    expect(RELATIONS.filter((r) => r.forced).map((r) => r.name)).toEqual([])
    expect(RELATIONS.filter((r) => ['anon', 'authenticated'].includes(r.owner)).map((r) => r.name)).toEqual([])
    const roles = await withClient(process.env.DATABASE_URL!, async (client) =>
      (
        await client.query(
          `select r.rolname, r.rolbypassrls, r.rolsuper, (select count(*)::int from pg_auth_members m where m.member = r.oid) as member_of
             from pg_roles r where r.rolname in ('anon', 'authenticated') order by 1`,
        )
      ).rows,
    )
    expect(roles).toEqual([
      { rolname: 'anon', rolbypassrls: false, rolsuper: false, member_of: 0 },
      { rolname: 'authenticated', rolbypassrls: false, rolsuper: false, member_of: 0 },
    ])
  })

  it('gives anon and authenticated no SECURITY DEFINER function to call (it would run past RLS)', async () => {
    const callable = await withClient(process.env.DATABASE_URL!, async (client) =>
      (
        await client.query<{ fn: string; role: string }>(
          `select p.oid::regprocedure::text as fn, r.role
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace, unnest(array['anon', 'authenticated']) as r(role)
            where p.prosecdef and ${SYSTEM_SCHEMAS} and has_function_privilege(r.role, p.oid, 'EXECUTE')
            order by 1, 2`,
        )
      ).rows,
    )
    expect(callable).toEqual([])
  })
})

describe('A, signed in, reads none of B\'s rows', () => {
  it('is A inside the scope: auth.uid() and current_user are what the policies see', async () => {
    const result = await as('authenticated', alice, `select auth.uid()::text as uid, current_user::text as role`)
    expect(result).toMatchObject({ rows: [{ uid: alice, role: 'authenticated' }] })
  })

  it.each(TABLE_NAMES)('%s', async (table) => {
    const fixture = fixtureOf(table)
    const relation = RELATIONS.find((r) => r.name === table)!
    const seen = await as('authenticated', alice, `select tableoid::text || ctid::text as id${relation.hasUserId ? ', user_id::text' : ''} from ${table}`)
    if (fixture.authenticated === 'none') {
      // No grant at all: the server-only tables answer "permission denied", not "no rows".
      expect(seen, `${table} is server only: authenticated must get permission denied`).toEqual(DENIED)
      return
    }
    expect(seen.code, `${table} should be readable by a signed-in user`).toBeUndefined()
    const rows = 'rows' in seen ? seen.rows : []
    // Something must be visible, or "none of B's" would pass for a table nobody can read.
    expect(rows.length, `A sees nothing at all in ${table}`).toBeGreaterThan(0)
    if (fixture.bRows) {
      const bobs = await bobsRowIds(table, fixture.bRows)
      expect(rows.map((r) => r.id).filter((id) => bobs.includes(String(id)))).toEqual([])
    }
    if (fixture.authenticated === 'own' && relation.hasUserId) expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([alice]))
  })
})

describe('anon reads nothing', () => {
  // Every table answers anon with permission denied (42501): anon holds no grant anywhere.
  // "Zero rows" would also read nothing, but would mean a grant exists; none is meant to.
  it.each(TABLE_NAMES)('%s', async (table) => {
    expect(await as('anon', null, `select * from ${table}`)).toEqual(DENIED)
  })
})

type Write = { table: string; privilege: 'INSERT' | 'UPDATE' | 'DELETE'; column: string | null; key: string }

// Every write a signed-in user is granted, read from the catalog: each must stop at B's rows.
const WRITES = await withClient(process.env.DATABASE_URL!, async (client) =>
  (
    await client.query<Write>(
      `select format('%s.%s', n.nspname, c.relname) as "table", p.privilege,
              case when p.privilege = 'UPDATE' then
                (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                    and has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE') order by a.attnum desc limit 1)::text end as "column",
              (select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                where i.indrelid = c.oid and i.indisprimary)::text as key
         from pg_class c join pg_namespace n on n.oid = c.relnamespace, unnest(array['INSERT', 'UPDATE', 'DELETE']) as p(privilege)
        where c.relkind in ('r', 'p') and ${SYSTEM_SCHEMAS}
          and case when p.privilege = 'DELETE' then has_table_privilege('authenticated', c.oid, 'DELETE')
                   else has_any_column_privilege('authenticated', c.oid, p.privilege) end
        order by 1, 2`,
    )
  ).rows,
)

describe('A cannot write B\'s rows where writes are granted', () => {
  it('finds the writes users are granted (campaigns, acknowledging alerts)', () => {
    expect(WRITES.map((w) => `${w.privilege} ${w.table}`)).toEqual(
      expect.arrayContaining(['INSERT public.campaigns', 'UPDATE public.campaigns', 'DELETE public.campaigns', 'UPDATE public.usage_alerts']),
    )
  })

  it.each(WRITES.map((w) => [`${w.privilege} ${w.table}`, w] as const))('%s', async (_name, write) => {
    const fixture = fixtureOf(write.table)
    expect(fixture.bRows, `${write.table} is writable by users, so it needs B's rows`).not.toBeNull()
    const bobsRows = await withClient(process.env.DATABASE_URL!, async (client) =>
      (await client.query<{ key: string; row: Record<string, unknown> }>(`select t.${write.key}::text as key, to_jsonb(t) as row from ${fromBob(write.table)} where ${fixture.bRows}`, [bob, bobEmail])).rows,
    )
    expect(bobsRows.length).toBeGreaterThan(0)
    const [target] = bobsRows
    const mine = await as('authenticated', alice, `select ${write.key}::text as key from ${write.table} where user_id = $1 limit 1`, [alice])

    if (write.privilege === 'INSERT') {
      // B's row again under a new key: RLS's WITH CHECK refuses it before any constraint does.
      const copy = { ...target.row, [write.key]: randomUUID() }
      const result = await as('authenticated', alice, `insert into ${write.table} select (jsonb_populate_record(null::${write.table}, $1::jsonb)).*`, [JSON.stringify(copy)])
      expect(result).toEqual(DENIED)
      return
    }
    const sql =
      write.privilege === 'UPDATE'
        ? `update ${write.table} set ${write.column} = ${write.column} where ${write.key}::text = $1`
        : `delete from ${write.table} where ${write.key}::text = $1`
    const onB = await as('authenticated', alice, sql, [target.key])
    expect(onB, `A's ${write.privilege} reached B's row in ${write.table}`).toEqual({ rows: [], rowCount: 0 })
    // The same statement reaches A's own row (it changes it, or a foreign key refuses the
    // delete), so the zero above is row level security at work, not a statement that never matches.
    const ownKey = 'rows' in mine ? mine.rows[0]?.key : undefined
    expect(ownKey, `A has no row of their own in ${write.table}`).toBeDefined()
    const onOwn = await as('authenticated', alice, sql, [ownKey])
    if (onOwn.code !== '23503') expect(onOwn).toMatchObject({ rowCount: 1 })
  })
})
