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
    adapter: new PrismaPg({ connectionString: requireDatabaseUrl(), max: env.DATABASE_POOL_MAX }),
  })
  return cache.tollgatePrisma
}
