import 'server-only'
import type { UsageRow } from '@/lib/metering/row'
import { settleInGroup } from '@/lib/metering/batch'
import { replaySpool, spoolRow } from '@/lib/metering/spool'
import { reasonOf, storeUsageRow, type Claim } from '@/lib/metering/store'

// The one writer of usage rows. Every metered call's row (built by buildUsageRow) comes here:
// stored with record_usage, retried, and — for a call whose row lives only in this process —
// spooled to disk when the database stays away.
const RETRY_DELAYS_MS = [100, 500, 2_000]
// Rows being recorded, spooled on exit if still here. On globalThis, like the groups
// (lib/metering/batch.ts): the exit handler is installed from one bundle, rows come from others.
const store = globalThis as typeof globalThis & { __tollgatePendingRows?: Map<string, UsageRow> }
const pending = (store.__tollgatePendingRows ??= new Map<string, UsageRow>())

async function withRetries<T>(requestId: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      console.error(`[usage] recording ${requestId} failed (attempt ${attempt + 1}): ${reasonOf(error)}`)
      if (attempt >= RETRY_DELAYS_MS.length) throw error
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]))
    }
  }
}

/**
 * The specification's trackAPIUsage (see docs/): writes the row and its rollups, in a group
 * with the rows of other calls that ended at about the same time (lib/metering/batch.ts). Never throws — a failure is logged with the request id, retried, and finally spooled to
 * disk for replay, so the caller's response is never affected and no row is lost.
 */
export async function trackAPIUsage(row: UsageRow): Promise<void> {
  pending.set(row.request_id, row)
  try {
    await withRetries(row.request_id, () => settleInGroup(row))
  } catch {
    spoolRow(row)
    console.error(`[usage] ${row.request_id} spooled for replay`)
  } finally {
    pending.delete(row.request_id)
  }
}

/**
 * Writes a row together with `claim`, in one transaction, with the same retries; answers
 * whether the claim was won (false: another writer finished first, and wrote the row). For rows
 * whose call is durable elsewhere (a video job): when the database stays away this throws
 * instead of spooling, nothing is claimed, and the job — still unfinished in the database —
 * is finished and recorded by a later poll. So a job is never finished without its row.
 */
export function trackClaimedUsage(row: UsageRow, claim: Claim): Promise<boolean> {
  return withRetries(row.request_id, () => storeUsageRow(row, claim))
}

let installed = false
/**
 * On a clean shutdown, rows still being recorded are written to the spool synchronously (Node
 * runs no more async work on exit), and the spool is replayed from here on: at start, and every
 * few seconds (a missing file costs one stat), so rows spooled during an outage land within
 * seconds of its end.
 */
export function installShutdownSpool(): void {
  if (installed) return
  installed = true
  process.on('exit', () => {
    for (const row of pending.values()) spoolRow(row)
  })
  const replay = () => void replaySpool().catch((error: unknown) => console.error(`[usage] spool replay failed: ${reasonOf(error)}`))
  setInterval(replay, 5_000).unref()
  replay()
}
