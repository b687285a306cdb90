// Newest-first reads of a user's calls (the Usage tab's recent calls, the history pages) from a
// ledger partitioned by month. Ordered by time, they stop in the newest month that has enough
// rows, but the planner would still plan every month of the history (a few hundred
// microseconds per month: ~2 ms at two years, more than reading the rows). Bounded below by a
// value it is given, it plans only the months from there. So such a read asks the newest months
// first (from the start of the month before the one it reads back from) and the whole history
// only when they hold too few rows: the same rows, in the same order, either way (every row
// inside the bound is newer than every row outside it).

/** The start (UTC) of the month before `at`'s. */
export function recentWindowStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1))
}

/**
 * `read(floor)` returns up to `want` rows newest first, none older than `floor` (null: no
 * bound). Asks from `floor` first, then, if that gave fewer than `want`, without it. A null
 * `floor` (the caller's own filter already bounds the read tighter) reads once.
 */
export async function readNewestFirst<T>(floor: Date | null, want: number, read: (floor: Date | null) => Promise<T[]>): Promise<T[]> {
  if (floor) {
    const rows = await read(floor)
    if (rows.length >= want) return rows
  }
  return read(null)
}
