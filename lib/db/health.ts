import 'server-only'
import { db } from '@/lib/db/prisma'

/** Whether the database answers, and how fast. Never throws; a failure is logged, not returned. */
export async function checkDatabase(): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now()
  try {
    await db().$queryRaw`select 1`
    return { ok: true, latencyMs: Math.round(performance.now() - started) }
  } catch (error) {
    // The message may name the host; never the password (pg does not include it).
    console.error(`[health] database check failed: ${(error as Error).message.split('\n')[0]}`)
    return { ok: false, latencyMs: Math.round(performance.now() - started) }
  }
}
