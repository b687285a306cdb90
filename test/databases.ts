// Helpers for tests that need their own database on the run's PostgreSQL server.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { ensureDatabase } from '../lib/db/embedded'

export function adminUrl(): string {
  return inject('pgAdminUrl')
}

export function urlForDatabase(database: string): string {
  const url = new URL(adminUrl())
  url.pathname = `/${database}`
  return url.toString()
}

/** A new, empty database (no migrations applied). */
export async function createEmptyDatabase(prefix = 'empty'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await ensureDatabase(adminUrl(), name)
  return urlForDatabase(name)
}

/** A new database holding the fully migrated schema. */
export async function createMigratedDatabase(prefix = 'test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await ensureDatabase(adminUrl(), name, inject('pgTemplate'))
  return urlForDatabase(name)
}

/** Runs `fn` with a connected superuser client on `url`, then closes it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
