import 'server-only'
import { isDataError } from '@/lib/db/errors'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import type { UsageRow } from '@/lib/metering/row'
import { storeUsageRow } from '@/lib/metering/store'

// Batched settlement: the rows of calls that end within SETTLE_WINDOW_MS of each other go to
// record_usage together, as one JSON array: one transaction, one round trip, one WAL flush, and
// one upsert per rollup key for the whole group (see 20241130_batched_settlement.sql). The
// answer to the caller never waits for this: rows are settled after the response is sent.
//
// A group is sent when its window closes or when it is full (SETTLE_GROUP_MAX), and at most
// IN_FLIGHT groups are in the database at once, so settlement never takes more than that many
// of the pool's connections away from admission; rows that arrive meanwhile form the next group
// (under load, groups grow by themselves while the database works).
//
// Failure is per row, as before: a group that fails for an unavailable database rejects every
// row in it, and each row's writer (trackAPIUsage) retries and finally spools it — the retries
// form new groups. A group refused for one row's data (a data error fails the whole
// transaction) is written again row by row, so the one bad row is handled alone
// (storeUsageRow: written without its details) and the others are written as they are.

const IN_FLIGHT = 2

type Waiter = { row: UsageRow; resolve: () => void; reject: (error: unknown) => void }
type Groups = { queue: Waiter[]; timer: NodeJS.Timeout | null; inFlight: number }

// On globalThis: Next may bundle this module more than once (each route's bundle, the
// instrumentation hook), and every call of the process must be able to share a group.
const store = globalThis as typeof globalThis & { __tollgateSettleGroups?: Groups }
const state = (store.__tollgateSettleGroups ??= { queue: [], timer: null, inFlight: 0 })

/** Settles one row in the next group; resolves once its group committed (or throws what the database threw). */
export function settleInGroup(row: UsageRow): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    state.queue.push({ row, resolve, reject })
    if (state.queue.length >= env.SETTLE_GROUP_MAX) send()
    else state.timer ??= setTimeout(send, env.SETTLE_WINDOW_MS)
  })
}

/** Sends the waiting rows in groups while the database has room for them. */
function send(): void {
  if (state.timer) clearTimeout(state.timer)
  state.timer = null
  while (state.queue.length > 0 && state.inFlight < IN_FLIGHT) {
    const group = state.queue.splice(0, env.SETTLE_GROUP_MAX)
    state.inFlight++
    void write(group).finally(() => {
      state.inFlight--
      // Rows that waited behind a full pipeline go now; a partial group keeps its window.
      if (state.queue.length >= env.SETTLE_GROUP_MAX || (state.queue.length > 0 && state.timer === null)) send()
    })
  }
}

async function write(group: Waiter[]): Promise<void> {
  // One row per request id in a group: a second copy would be skipped by record_usage anyway,
  // and each waiter still learns when its row is in.
  try {
    await pool().query('select public.record_usage($1::jsonb)', [JSON.stringify(unique(group.map((w) => w.row)))])
    for (const waiter of group) waiter.resolve()
  } catch (error) {
    if (!isDataError(error)) {
      for (const waiter of group) waiter.reject(error)
      return
    }
    for (const waiter of group) await storeUsageRow(waiter.row).then(() => waiter.resolve(), waiter.reject)
  }
}

function unique(rows: UsageRow[]): UsageRow[] {
  const seen = new Set<string>()
  return rows.filter((row) => !seen.has(row.request_id) && seen.add(row.request_id))
}

/** Rows waiting for their group (for tests and shutdown diagnostics). */
export function waitingToSettle(): number {
  return state.queue.length
}
