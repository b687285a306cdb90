// Latency histograms of the console rollups (supabase/migrations/20241124_console_rollups.sql):
// 64 log-spaced buckets, factor 1.25. Bucket 1 holds calls of <= 1 ms, bucket k (2..63) those
// in (1.25^(k-2), 1.25^(k-1)] ms, bucket 64 everything slower. Arrays sum exactly, so a
// percentile over any set of rollup rows is one pass here, within one bucket (25 %) of the truth.

export const BUCKETS = 64
const FACTOR = 1.25

/** The 1-based bucket a latency falls in, as console_latency_bucket() computes it in SQL. */
export function bucketOf(ms: number): number {
  if (ms <= 1) return 1
  return Math.min(BUCKETS, 1 + Math.ceil(Math.log(ms) / Math.log(FACTOR)))
}

/** Adds histograms element by element (counts arrive as strings or numbers from pg). */
export function addHistograms(histograms: Iterable<ReadonlyArray<number | string | bigint>>): number[] {
  const total = new Array<number>(BUCKETS).fill(0)
  for (const h of histograms) for (let i = 0; i < BUCKETS; i++) total[i] += Number(h[i] ?? 0)
  return total
}

/**
 * The p-th percentile (0 < p ≤ 100) in whole milliseconds, as the geometric middle of the
 * bucket it falls in (1 ms for bucket 1); null when the histogram is empty.
 */
export function percentile(histogram: ReadonlyArray<number>, p: number): number | null {
  const count = histogram.reduce((a, b) => a + b, 0)
  if (count === 0) return null
  const rank = Math.ceil((p / 100) * count)
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]
    if (seen >= rank) return i === 0 ? 1 : Math.round(FACTOR ** (i - 0.5))
  }
  return null
}
