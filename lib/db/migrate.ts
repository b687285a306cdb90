// Applies supabase/migrations/*.sql in name order, each file in its own transaction, and
// records it in supabase_migrations.schema_migrations (the table the Supabase CLI uses, so
// `supabase db push` and this runner agree on what has been applied).
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'

const MIGRATIONS_DIR = path.resolve(process.cwd(), 'supabase', 'migrations')

// Any constant works; it only has to be the same for every process that migrates, so two
// app instances starting at once apply each file exactly once.
const MIGRATION_LOCK_KEY = 7_240_117

export type MigrationFile = { version: string; name: string; file: string }

/** Migration files in the order they apply. `20241017_create_x.sql` → version `20241017`. */
export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  return files.map((file) => {
    const match = /^(\d+)_(.+)\.sql$/.exec(file)
    if (!match) throw new Error(`Migration file name must be <digits>_<name>.sql: ${file}`)
    return { version: match[1], name: match[2], file: path.join(dir, file) }
  })
}

/**
 * Applies pending migrations; returns the versions applied. Idempotent: a second call applies
 * nothing. Throws (after rolling back that file) when a migration fails.
 */
export async function migrate(
  connectionString: string,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {})
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    await client.query(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key,
        statements text[],
        name text
      );`)
    const done = new Set(
      (await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map(
        (r) => r.version,
      ),
    )
    const applied: string[] = []
    for (const m of await listMigrations(options.dir)) {
      if (done.has(m.version)) continue
      const sql = await readFile(m.file, 'utf8')
      try {
        await client.query('begin')
        await client.query(sql)
        await client.query(
          'insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)',
          [m.version, [sql], m.name],
        )
        await client.query('commit')
      } catch (error) {
        await client.query('rollback')
        throw new Error(`Migration ${path.basename(m.file)} failed: ${(error as Error).message}`, { cause: error })
      }
      applied.push(m.version)
      log(`applied ${path.basename(m.file)}`)
    }
    return applied
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
    await client.end()
  }
}
