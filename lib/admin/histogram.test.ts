import { describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { addHistograms, bucketOf, BUCKETS, percentile } from './histogram'

describe('latency histogram', () => {
  it('puts a latency in the same bucket as console_latency_bucket() in SQL', async () => {
    const samples = [0, 1, 2, 3, 4, 5, 9, 10, 11, 99, 100, 101, 124, 125, 126, 999, 1000, 12_345, 60_000, 600_000, 5_000_000, 2_000_000_000]
    const sql = await withClient(process.env.DATABASE_URL!, async (c) =>
      (await c.query<{ b: number }>('select public.console_latency_bucket(ms) as b from unnest($1::int[]) ms', [samples])).rows.map((r) => r.b),
    )
    expect(sql).toEqual(samples.map(bucketOf))
    expect(Math.max(...sql)).toBe(BUCKETS)
  })

  it('gives a percentile within one bucket of the exact one', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => 20 + i * 3)
    const h = new Array(BUCKETS).fill(0)
    for (const ms of latencies) h[bucketOf(ms) - 1]++
    const exact95 = latencies[Math.ceil(0.95 * latencies.length) - 1]
    const p95 = percentile(h, 95)!
    expect(p95 / exact95).toBeGreaterThan(0.8)
    expect(p95 / exact95).toBeLessThan(1.25)
    expect(percentile(new Array(BUCKETS).fill(0), 50)).toBeNull()
    expect(addHistograms([[1, '2'], [3n, 4]]).slice(0, 3)).toEqual([4, 6, 0])
  })
})
