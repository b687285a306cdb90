// The migration set: idempotent, runs on plain PostgreSQL and on a Supabase-shaped database,
// and gives every user (new or existing) the Demo subscription.
import { copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type pg from 'pg'
import { listMigrations, migrate } from '@/lib/db/migrate'
import { createEmptyDatabase, createMigratedDatabase, withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

/** Everything a migration creates, as comparable text. */
async function schemaSnapshot(client: pg.Client): Promise<string[]> {
  const queries = [
    `select 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
       from information_schema.columns where table_schema in ('public', 'auth')`,
    `select 'index ' || schemaname || '.' || indexname || ' ' || indexdef from pg_indexes where schemaname in ('public', 'auth')`,
    `select 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies`,
    `select 'trigger ' || tgrelid::regclass || '.' || tgname from pg_trigger where not tgisinternal`,
    `select 'function ' || p.oid::regprocedure || ' ' || md5(p.prosrc) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('public', 'auth')`,
    `select 'grant ' || grantee || ' ' || table_name || ' ' || privilege_type from information_schema.role_table_grants where table_schema = 'public'`,
  ]
  const lines: string[] = []
  for (const q of queries) lines.push(...(await client.query<{ '?column?': string }>(q)).rows.map((r) => r['?column?']))
  return lines.sort()
}

async function subscriptionOf(client: pg.Client, userId: string) {
  const { rows } = await client.query(
    `select plan_type, plan_name, content_generations_limit, image_generations_limit, video_generations_limit,
            chat_messages_limit, enforcement_mode, status,
            extract(epoch from billing_period_end - billing_period_start) / 86400 as period_days,
            abs(extract(epoch from billing_period_start - now())) < 60 as starts_now
       from public.user_subscriptions where user_id = $1`,
    [userId],
  )
  return rows
}

const DEMO = {
  plan_type: 'demo',
  plan_name: 'Demo Plan - Unlimited Access',
  content_generations_limit: 999999,
  image_generations_limit: 999999,
  video_generations_limit: 999999,
  chat_messages_limit: 999999,
  enforcement_mode: 'off',
  status: 'active',
  starts_now: true,
}

describe('migrations', () => {
  it('keeps the original file name for the usage tables and orders the shim first', async () => {
    const files = (await listMigrations()).map((m) => path.basename(m.file))
    expect(files).toContain('20241017_create_usage_tracking_tables.sql')
    expect(files.indexOf('20241016_auth_shim.sql')).toBe(0)
  })

  it('records every file in supabase_migrations.schema_migrations and applies nothing twice', async () => {
    const url = await createEmptyDatabase()
    const first = await migrate(url)
    expect(first).toEqual((await listMigrations()).map((m) => m.version))
    expect(await migrate(url)).toEqual([])
    const recorded = await withClient(url, async (c) =>
      (await c.query('select version, name from supabase_migrations.schema_migrations order by version')).rows,
    )
    expect(recorded.map((r) => r.version)).toEqual(first)
    expect(recorded[1]).toEqual({ version: '20241017', name: 'create_usage_tracking_tables' })
  })

  // Each file twice in a row, compared with each file once. (Not the whole set a second time
  // after the last file: 20241112 drops api_usage columns that 20241017 comments on, as a
  // migration that removes something must; no runner applies an old file after a newer one.)
  it('runs every file twice in a row without error and without changing the result', async () => {
    const files = await listMigrations()
    const snapshotAfter = async (times: number) => {
      const url = await createEmptyDatabase()
      return withClient(url, async (client) => {
        for (const m of files) for (let i = 0; i < times; i++) await client.query(await readFile(m.file, 'utf8'))
        return schemaSnapshot(client)
      })
    }
    const once = await snapshotAfter(1)
    expect(await snapshotAfter(2)).toEqual(once)
    expect(once.length).toBeGreaterThan(100)
  })

  it('rolls a failing file back whole and reports which one failed', async () => {
    const url = await createEmptyDatabase()
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bad-migrations-'))
    const { writeFile } = await import('node:fs/promises')
    await writeFile(path.join(dir, '1_ok.sql'), 'create table public.ok_table (id int);')
    await writeFile(path.join(dir, '2_broken.sql'), 'create table public.half_done (id int);\nselect * from no_such_table;')
    await expect(migrate(url, { dir })).rejects.toThrow(/Migration 2_broken\.sql failed: relation "no_such_table" does not exist/)
    const tables = await withClient(url, async (c) =>
      (await c.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).rows,
    )
    expect(tables).toEqual([{ table_name: 'ok_table' }])
  })
})

describe('Demo subscription on signup', () => {
  it('is created by the trigger on auth.users with the Demo plan for one year', async () => {
    const url = await createMigratedDatabase()
    await withClient(url, async (client) => {
      const user = await insertUser(client)
      const rows = await subscriptionOf(client, user)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject(DEMO)
      expect(Number(rows[0].period_days)).toBeGreaterThanOrEqual(365)
      expect(Number(rows[0].period_days)).toBeLessThanOrEqual(366)
    })
  })

  it('is given to users who existed before the migration ran', async () => {
    const url = await createEmptyDatabase()
    const shimOnly = await mkdtemp(path.join(tmpdir(), 'tollgate-shim-'))
    const [shim] = await listMigrations()
    await copyFile(shim.file, path.join(shimOnly, path.basename(shim.file)))
    await migrate(url, { dir: shimOnly })
    const early = await withClient(url, (c) => insertUser(c))
    expect(await withClient(url, (c) => c.query(`select to_regclass('public.user_subscriptions') as t`).then((r) => r.rows[0].t))).toBeNull()
    await migrate(url)
    await withClient(url, async (client) => {
      expect(await subscriptionOf(client, early)).toEqual([expect.objectContaining(DEMO)])
    })
  })
})

describe('on a database that already has Supabase\'s auth schema', () => {
  it('leaves Supabase\'s objects alone and still works', async () => {
    const url = await createEmptyDatabase('supabase')
    await withClient(url, async (client) => {
      // The shape Supabase gives a new project: its own auth.users (more columns than our
      // shim's) and its own auth.uid(); the roles already exist on the server.
      await client.query(`
        create schema auth;
        create table auth.users (
          instance_id uuid, id uuid primary key, aud varchar(255), role varchar(255), email varchar(255),
          encrypted_password varchar(255), email_confirmed_at timestamptz, confirmation_token varchar(255),
          raw_app_meta_data jsonb, raw_user_meta_data jsonb, is_super_admin boolean, created_at timestamptz,
          updated_at timestamptz, phone text unique, is_sso_user boolean not null default false,
          is_anonymous boolean not null default false
        );
        create function auth.uid() returns uuid language sql stable as $$
          select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
        $$;
        comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
      `)
      await client.query(`insert into auth.users (id, email) values ('00000000-0000-4000-8000-000000000001', 'early@example.test')`)
    })
    await migrate(url)
    await withClient(url, async (client) => {
      const columns = await client.query(`select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users'`)
      expect(columns.rows.map((r) => r.column_name)).toEqual(expect.arrayContaining(['instance_id', 'is_sso_user', 'is_anonymous']))
      const uidComment = await client.query(`select obj_description('auth.uid()'::regprocedure, 'pg_proc') as c`)
      expect(uidComment.rows[0].c).toBe("Deprecated. Use auth.jwt() -> 'sub' instead.")
      expect(await subscriptionOf(client, '00000000-0000-4000-8000-000000000001')).toEqual([expect.objectContaining(DEMO)])
      const { rows } = await client.query<{ id: string }>(`insert into auth.users (id, email) values (gen_random_uuid(), 'new@example.test') returning id`)
      expect(await subscriptionOf(client, rows[0].id)).toEqual([expect.objectContaining(DEMO)])
    })
    expect(await migrate(url)).toEqual([])
  })
})
