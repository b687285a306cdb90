import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'

// Call details (payloads, IP, user agent) are kept PAYLOAD_RETENTION_DAYS, then deleted; the
// ledger row of the call stays. Every app process runs the sweep: batches skip rows another
// process has locked, so several instances share the work instead of colliding.

const BATCH = 1_000
const INTERVAL_MS = 60 * 60 * 1000

/**
 * Deletes details (and clears video jobs' personal data) older than `days`, one short
 * transaction per batch, until none is left. Returns how many rows it touched.
 */
export async function expirePersonalData({ days = env.PAYLOAD_RETENTION_DAYS, batch = BATCH }: { days?: number; batch?: number } = {}): Promise<number> {
  let total = 0
  for (;;) {
    const { rows } = await pool().query<{ n: number }>('select public.expire_personal_data($1, $2) as n', [days, batch])
    if (rows[0].n === 0) return total
    total += rows[0].n
  }
}

let timer: NodeJS.Timeout | undefined
let running = false

function sweep(): void {
  if (running) return
  running = true
  expirePersonalData()
    .then((n) => {
      if (n) console.log(`[retention] deleted personal data of ${n} call(s) older than ${env.PAYLOAD_RETENTION_DAYS} days`)
    })
    .catch((e) => console.error(`[retention] sweep failed: ${(e as Error).message}`))
    .finally(() => (running = false))
}

/** Sweeps shortly after start, then hourly, in this process; a failed sweep is logged and tried again next time. */
export function startPersonalDataRetention(): void {
  if (timer) return
  setTimeout(sweep, 30_000).unref()
  timer = setInterval(sweep, INTERVAL_MS)
  timer.unref()
}
