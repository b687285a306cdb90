import 'server-only'
import { db } from '@/lib/db/prisma'

/** Whether the database answers, and how fast. Never throws; a failure is logged, not returned. */
export async function checkDatabase(): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now()
  try {
    await db().$queryRaw`select 1`
    return { ok: true, latencyMs: Math.round(performance.now() - started) }
  } catch (error) {
    // The message may name the host; never the password (pg does not include it). Prisma's own
    // message can be empty, with the driver's in its cause.
    const reason = [error, (error as { cause?: unknown }).cause].map((e) => (e instanceof Error ? e.message.trim().split('\n')[0] : '')).find(Boolean)
    console.error(`[health] database check failed: ${reason || String(error)}`)
    return { ok: false, latencyMs: Math.round(performance.now() - started) }
  }
}
