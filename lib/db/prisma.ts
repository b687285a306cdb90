import 'server-only'
import { PrismaPg } from '@prisma/adapter-pg'
import { env, requireDatabaseUrl } from '@/lib/env'
import { PrismaClient } from '@/lib/generated/prisma/client'

export type Db = PrismaClient

// One client per process. In development Next re-evaluates modules on every edit; keeping the
// client on globalThis stops each reload from opening a new pool.
const cache = globalThis as unknown as { tollgatePrisma?: PrismaClient }

/**
 * The process-wide Prisma client on the `pg` driver adapter. Built on first use, so importing
 * this module (for instance while `next build` collects pages) needs no database.
 * Runs as the app's database login: privileged. User-facing reads go through withUser().
 */
export function db(): PrismaClient {
  cache.tollgatePrisma ??= new PrismaClient({
    adapter: new PrismaPg({
      connectionString: requireDatabaseUrl(),
      max: env.DATABASE_POOL_MAX,
      // Without these a burst that exhausts the pool, or a lock held elsewhere, would make a
      // request wait forever; with them it fails, and the gateway answers 503 (errors.ts).
      connectionTimeoutMillis: env.DATABASE_CONNECT_TIMEOUT_MS,
      statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS,
    }),
  })
  return cache.tollgatePrisma
}
