// Acknowledging alerts from the Usage tab: only one's own (RLS), idempotent, and the user's
// other open tabs hear of it (the usage_alerts trigger notifies like a settled call does).
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { acknowledgeAlert } from '@/lib/usage/alerts'
import { usageEvents } from '@/lib/usage/live'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!

async function alertOf(userId: string): Promise<string> {
  return withClient(url(), async (c) =>
    (
      await c.query<{ id: string }>(
        `insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
         values ($1, 'quota', 'chat', 80, now(), 80, 100, '80% of your chat messages are used') returning id`,
        [userId],
      )
    ).rows[0].id,
  )
}

const acknowledgedAt = (id: string) =>
  withClient(url(), async (c) => (await c.query<{ at: Date | null }>('select acknowledged_at as at from public.usage_alerts where id = $1', [id])).rows[0].at)

describe('acknowledgeAlert', () => {
  it('acknowledges one\'s own alert once, and tells the user\'s open tabs', async () => {
    const [user, warm] = await withClient(url(), async (c) => [await insertUser(c), await insertUser(c)])
    const id = await alertOf(user)
    let heard = 0
    let warmHeard = 0
    const offs = [usageEvents().subscribe(user, () => heard++), usageEvents().subscribe(warm, () => warmHeard++)]
    try {
      // The hub listens once a notification for another subscriber comes through.
      const deadline = Date.now() + 10_000
      while (warmHeard === 0 && Date.now() < deadline) {
        await withClient(url(), (c) => c.query(`select pg_notify('tollgate_usage', $1)`, [warm]))
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(heard).toBe(0)
      expect(await acknowledgeAlert(user, id)).toBe('acknowledged')
      const first = await acknowledgedAt(id)
      expect(first).toBeInstanceOf(Date)
      while (heard === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
      expect(heard).toBe(1)
      expect(await acknowledgeAlert(user, id)).toBe('acknowledged')
      expect(await acknowledgedAt(id)).toEqual(first)
    } finally {
      for (const off of offs) off()
    }
  })

  it('does not find another user\'s alert, and leaves it alone', async () => {
    const [owner, other] = await withClient(url(), async (c) => [await insertUser(c), await insertUser(c)])
    const id = await alertOf(owner)
    expect(await acknowledgeAlert(other, id)).toBe('not_found')
    expect(await acknowledgedAt(id)).toBeNull()
    expect(await acknowledgeAlert(owner, '00000000-0000-4000-8000-000000000000')).toBe('not_found')
  })
})
