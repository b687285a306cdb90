// Live usage events against the real database: a settled call (record_usage, as the gateway
// writes it) reaches its user's subscribers through NOTIFY, nobody else's; the process holds
// one LISTEN connection however many subscribe, none once they have all left; and a lost
// connection (what a database restart does to it) is re-opened, with a "re-read" to everyone.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { LISTENER_APPLICATION_NAME, usageEvents } from '@/lib/usage/live'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function settle(userId: string): Promise<void> {
  await withClient(url(), (c) =>
    c.query('select public.record_usage($1::jsonb)', [
      JSON.stringify({ user_id: userId, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`, total_cost: '0.01', input_cost: '0', output_cost: '0.01', generation_cost: '0', cost_status: 'priced', status: 'success' }),
    ]),
  )
}

/** The LISTEN connections of this database's listeners, as PostgreSQL sees them. */
async function listenerPids(): Promise<number[]> {
  return withClient(url(), async (c) =>
    (await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and application_name = $1', [LISTENER_APPLICATION_NAME])).rows.map((r) => r.pid),
  )
}

describe('usage events hub', () => {
  it('tells a user\'s subscribers when their call settles, and no other user\'s', async () => {
    const [a, b] = await withClient(url(), async (c) => [await insertUser(c), await insertUser(c)])
    const heard = { a1: 0, a2: 0, b: 0 }
    const offs = [
      usageEvents().subscribe(a, () => heard.a1++),
      usageEvents().subscribe(a, () => heard.a2++),
      usageEvents().subscribe(b, () => heard.b++),
    ]
    await until(async () => (await listenerPids()).length === 1, 'the LISTEN connection')
    await settle(a)
    await until(() => heard.a1 === 1 && heard.a2 === 1, 'A to hear of their call')
    // B's event would have arrived in the same order as A's: settle B's call after, then see
    // only B's count move.
    expect(heard.b).toBe(0)
    await settle(b)
    await until(() => heard.b === 1, 'B to hear of their call')
    expect(heard).toEqual({ a1: 1, a2: 1, b: 1 })
    for (const off of offs) off()
  })

  it('holds one LISTEN connection for all its subscribers, and none once they have left', async () => {
    const users = await withClient(url(), async (c) => {
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push(await insertUser(c))
      return ids
    })
    const offs = users.flatMap((u) => [usageEvents().subscribe(u, () => {}), usageEvents().subscribe(u, () => {})])
    await until(async () => (await listenerPids()).length === 1, 'the LISTEN connection')
    expect(usageEvents().subscriberCount()).toBe(10)
    for (const off of offs.slice(0, 9)) off()
    expect((await listenerPids()).length).toBe(1)
    offs[9]()
    offs[9]() // twice is harmless
    expect(usageEvents().subscriberCount()).toBe(0)
    await until(async () => (await listenerPids()).length === 0, 'the LISTEN connection to close')
  })

  it('re-opens a lost connection and asks every subscriber to re-read, then keeps delivering', async () => {
    const user = await withClient(url(), (c) => insertUser(c))
    let heard = 0
    const off = usageEvents().subscribe(user, () => heard++)
    await until(async () => (await listenerPids()).length === 1, 'the LISTEN connection')
    const [first] = await listenerPids()
    // What a restart or failover does to the connection: the server ends it.
    await withClient(url(), (c) => c.query('select pg_terminate_backend($1)', [first]))
    await until(() => heard === 1, 'the re-read after reconnecting')
    const [second] = await listenerPids()
    expect(second).not.toBe(first)
    await settle(user)
    await until(() => heard === 2, 'the next call after reconnecting')
    off()
    await until(async () => (await listenerPids()).length === 0, 'the LISTEN connection to close')
  })
})
