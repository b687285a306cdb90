// The Usage tab's newest-first reads ask the newest months first and the whole ledger only
// when those hold too few rows: the same rows, in the same order, as one unbounded read.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { getUsageDashboard } from '@/lib/usage/dashboard'
import { listUsageHistory, decodeCursor } from '@/lib/usage/history'
import { readNewestFirst, recentWindowStart } from '@/lib/usage/recent-window'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!

async function calls(userId: string, times: Date[]): Promise<void> {
  await withClient(url(), async (c) => {
    for (const t of times) {
      await c.query('select public.api_usage_partition_for($1)', [t.toISOString()])
      await c.query('select public.record_usage($1::jsonb)', [
        JSON.stringify({ user_id: userId, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`,
          total_cost: '0.001', input_cost: '0.001', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success', created_at: t.toISOString() }),
      ])
    }
  })
}

describe('newest months first', () => {
  it('bounds the first read at the start of the month before, and reads everything when that is not enough', async () => {
    expect(recentWindowStart(new Date('2026-01-15T10:00:00Z')).toISOString()).toBe('2025-12-01T00:00:00.000Z')
    const floors: (string | null)[] = []
    const read = (n: number) => async (floor: Date | null) => (floors.push(floor?.toISOString() ?? null), Array.from({ length: floor ? n : 7 }, (_, i) => i))
    expect(await readNewestFirst(new Date('2025-12-01T00:00:00Z'), 5, read(5))).toHaveLength(5)
    expect(await readNewestFirst(new Date('2025-12-01T00:00:00Z'), 5, read(4))).toHaveLength(7)
    expect(await readNewestFirst(null, 5, read(5))).toHaveLength(7)
    expect(floors).toEqual(['2025-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z', null, null])
  })

  it('pages through recent and years-old calls in one order, and the tab shows the newest ten', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const now = Date.now()
    const recent = Array.from({ length: 12 }, (_, i) => new Date(now - i * 60_000))
    const old = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2019, 4, 20 - i)))
    await calls(userId, [...old, ...recent])
    const expected = [...recent, ...old].map((d) => d.toISOString())

    const seen: string[] = []
    let after: [string, string] | null = null
    for (let page = 0; page < 4; page++) {
      const result = await listUsageHistory(userId, { limit: 5 } as Parameters<typeof listUsageHistory>[1], after)
      seen.push(...result.data.map((r) => new Date(r.created_at).toISOString()))
      if (!result.next_cursor) break
      after = decodeCursor(result.next_cursor)
    }
    expect(seen).toEqual(expected)

    const dashboard = await getUsageDashboard(userId)
    expect(dashboard.recent.map((r) => new Date(r.created_at).toISOString())).toEqual(expected.slice(0, 10))
    const sparse = await withClient(url(), (c) => insertUser(c))
    await calls(sparse, old)
    expect((await getUsageDashboard(sparse)).recent.map((r) => new Date(r.created_at).toISOString())).toEqual(old.map((d) => d.toISOString()))
  })
})
