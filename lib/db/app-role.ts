// The embedded database's own login for the app: it owns the schema (so migrations and the
// privileged writes work) but is not a superuser and does not bypass row level security. The
// superuser `postgres` is kept for what only it may do: creating this login and Supabase's API
// roles (service_role bypasses RLS, which only a superuser may grant), and handing over what an
// older version created as `postgres`.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import pg from 'pg'

export const APP_ROLE = 'tollgate'

// Schemas the migrations fill; objects of extensions inside them stay with the extension.
const APP_SCHEMAS = ['public', 'auth', 'extensions', 'supabase_migrations']

/**
 * Creates (or updates the password of) the app login, makes it a member of anon /
 * authenticated / service_role (withUser() switches to them), gives it `database`, and moves
 * everything the superuser owns in the app's schemas over to it. Idempotent; run as the
 * superuser on every start, so data folders of older versions are migrated.
 */
export async function prepareAppRole(adminUrl: string, database: string, password: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    const role = c.escapeIdentifier(APP_ROLE)
    const exists = await c.query('select 1 from pg_roles where rolname = $1', [APP_ROLE])
    await c.query(`${exists.rowCount ? 'alter' : 'create'} role ${role} login nosuperuser nocreatedb nocreaterole nobypassrls noreplication password ${c.escapeLiteral(password)}`)
    for (const [name, attributes] of [['anon', 'nologin noinherit'], ['authenticated', 'nologin noinherit'], ['service_role', 'nologin noinherit bypassrls']]) {
      if ((await c.query('select 1 from pg_roles where rolname = $1', [name])).rowCount === 0) await c.query(`create role ${name} ${attributes}`)
      if (!(await c.query(`select pg_has_role($1, $2, 'MEMBER') as member`, [APP_ROLE, name])).rows[0].member) await c.query(`grant ${name} to ${role}`)
    }
    if ((await c.query('select 1 from pg_database where datname = $1', [database])).rowCount === 0) await c.query(`create database ${c.escapeIdentifier(database)}`)
    await c.query(`alter database ${c.escapeIdentifier(database)} owner to ${role}`)
  })
  const url = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString()
  await withClient(url, handOver)
}

/** The app login's password, generated once into `file` (readable by its owner only). */
export async function appRolePassword(file: string): Promise<string> {
  if (!existsSync(file)) await writeFile(file, randomBytes(24).toString('hex'), { mode: 0o600 })
  return (await readFile(file, 'utf8')).trim()
}

/**
 * Gives the app login what the superuser owns in the app's schemas, in one transaction. Tables
 * take their indexes and linked sequences along (a sequence owned by a column cannot be moved
 * apart from its table); partitions do not follow their parent, so each is moved itself; what
 * belongs to an extension (btree_gist) stays with it.
 */
async function handOver(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ statement: string }>(
    `select statement from (
       select format('alter schema %I owner to %I', n.nspname, $2::text) as statement, 1 as step
         from pg_namespace n where n.nspname = any($1) and n.nspowner = 'postgres'::regrole
       union all
       select format('alter %s %s owner to %I', case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' else 'table' end,
                     c.oid::regclass, $2::text), 2
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relowner = 'postgres'::regrole and c.relkind in ('r', 'p', 'v', 'm', 'S')
          and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                             and (d.deptype = 'e' or (c.relkind = 'S' and d.deptype in ('a', 'i'))))
       union all
       select format('alter %s %s owner to %I', case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
                     p.oid::regprocedure, $2::text), 3
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and p.proowner = 'postgres'::regrole
          and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
     ) s order by step`,
    [APP_SCHEMAS, APP_ROLE],
  )
  if (rows.length === 0) return
  await c.query('begin')
  try {
    for (const { statement } of rows) await c.query(statement)
    await c.query('commit')
  } catch (error) {
    await c.query('rollback')
    throw error
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
