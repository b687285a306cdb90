import 'server-only'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { env, requireDatabaseUrl } from '@/lib/env'
import { PrismaClient } from '@/lib/generated/prisma/client'

// One pool and one client per process. In development Next re-evaluates modules on every
// edit; keeping them on globalThis stops each reload from opening a new pool.
const cache = globalThis as unknown as { tollgatePrisma?: PrismaClient; tollgatePool?: pg.Pool }

/**
 * The process-wide connection pool, shared by Prisma and by the gateway's hot path, which
 * sends its two statements per call (admission, settlement) straight through `pg`: Prisma's
 * query layer costs more CPU per call than the driver itself (BENCHMARKS.md, profile).
 */
export function pool(): pg.Pool {
  if (!cache.tollgatePool) {
    const created = new pg.Pool({
      connectionString: requireDatabaseUrl(),
      max: env.DATABASE_POOL_MAX,
      // Without these a burst that exhausts the pool, or a lock held elsewhere, would make a
      // request wait forever; with them it fails, and the gateway answers 503 (errors.ts).
      connectionTimeoutMillis: env.DATABASE_CONNECT_TIMEOUT_MS,
      statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS,
    })
    // An idle connection dropped by the server (restart, failover) is replaced on next use;
    // unhandled, its error would end the process.
    created.on('error', (error) => console.error(`[db] idle connection lost: ${error.message}`))
    cache.tollgatePool = created
  }
  return cache.tollgatePool
}

/**
 * The process-wide Prisma client on the `pg` driver adapter. Built on first use, so importing
 * this module (for instance while `next build` collects pages) needs no database.
 * Runs as the app's database login: privileged. User-facing reads go through withUser().
 */
export function db(): PrismaClient {
  cache.tollgatePrisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) })
  return cache.tollgatePrisma
}

/** Closes the client and its pool (scripts and tests that must exit); the next use opens new ones. */
export async function closeDatabase(): Promise<void> {
  const { tollgatePrisma, tollgatePool } = cache
  cache.tollgatePrisma = undefined
  cache.tollgatePool = undefined
  await tollgatePrisma?.$disconnect()
  await tollgatePool?.end()
}
