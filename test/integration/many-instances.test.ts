// FOUR `next start` instances on one database under load, each with its own quota leases
// (lib/gateway/lease.ts): hard limits stay exact, every call leaves one row, counters equal the
// ledger, and an instance stopped with SIGTERM under load gives its leases back before it exits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, holdsOf, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let servers: NextServer[]
const db = () => process.env.DATABASE_URL!
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))

beforeAll(async () => {
  const env = { DATABASE_URL: db(), AUTH_SECRET: 'many-instances-secret-at-least-32-characters' }
  servers = await Promise.all(Array.from({ length: 4 }, () => startNextServer(env)))
}, 240_000)
afterAll(() => Promise.all(servers.map((s) => s.stop())))

type Answer = { status: number; requestId: string | null }

async function call(server: NextServer, user: GatewayUser, i: number): Promise<Answer> {
  try {
    const response = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `call ${i}` }], max_tokens: 20 }),
    })
    await response.arrayBuffer()
    return { status: response.status, requestId: response.headers.get('x-request-id') }
  } catch {
    return { status: 0, requestId: null } // the instance had stopped listening: the call never reached it
  }
}

/** `count` calls at once, spread over `targets` in turn. */
const burst = (user: GatewayUser, count: number, targets = servers) => Promise.all(Array.from({ length: count }, (_, i) => call(targets[i % targets.length], user, i)))

/** Quota leases still held for the user (rows of usage_holds named lease_…). */
const leasesOf = async (userId: string) =>
  (await sql(`select count(*)::int as n from public.usage_holds where user_id = $1 and left(request_id, 6) = 'lease_'`, [userId])).rows[0].n as number

/**
 * Every answered call has exactly one row. `cut`: calls may have been cut mid-flight (their
 * instance stopped): such a call may have its row without an answer, never an answer without a row.
 */
async function settled(user: GatewayUser, answers: Answer[], cut = false) {
  const answered = answers.filter((a) => a.status !== 0)
  const rows = await usageRows(db(), user.id, answered.length, 60_000)
  const ids = rows.map((r) => r.request_id)
  expect(new Set(ids).size).toBe(ids.length)
  if (cut) for (const a of answered) expect(ids).toContain(a.requestId)
  else expect(new Set(ids)).toEqual(new Set(answered.map((a) => a.requestId)))
  return rows
}

describe('four instances on one database', () => {
  it('admit exactly a hard quota under parallel waves, with leases far from it and none near it', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 400, enforcement_mode = 'hard' where user_id = $1`, [user.id])
    await sql(`update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`, [user.id])
    const answers: Answer[] = []
    // Waves: the first ones far from the limit (leases granted), the last ones across it.
    for (const size of [120, 120, 120, 120]) answers.push(...(await burst(user, size)))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(400)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(80)
    const rows = await settled(user, answers)
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(400)
    const { rows: [sub] } = await sql('select chat_messages_used from public.user_subscriptions where user_id = $1', [user.id])
    expect(sub.chat_messages_used).toBe(400)
    expect(await holdsOf(db(), user.id)).toBe(0)
    expect(await leasesOf(user.id)).toBe(0)
  })

  it('keep a hard budget: settled spend never passes it by more than one call\'s estimate', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = 0.05, enforcement_mode = 'hard' where user_id = $1`, [user.id])
    await sql(`update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`, [user.id])
    const answers: Answer[] = []
    for (let wave = 0; wave < 6 && !answers.some((a) => a.status === 429); wave++) answers.push(...(await burst(user, 200)))
    expect(answers.some((a) => a.status === 429)).toBe(true)
    await settled(user, answers)
    const { rows: [s] } = await sql('select period_cost::text as cost, monthly_cost_budget::text as budget from public.user_subscriptions where user_id = $1', [user.id])
    // Each admitted call held its estimate (prompt + its 20-token cap), which its actual cost never passes.
    expect(Number(s.cost)).toBeLessThanOrEqual(0.05)
    expect(await holdsOf(db(), user.id)).toBe(0)
  })

  it('give their leases back when one is stopped with SIGTERM under load, and lose no call', async () => {
    // One user per instance, so the stopped one's leases are known to be its own.
    const users = await Promise.all(servers.map((s) => createGatewayUser(s.url)))
    const victim = servers[3]
    const answers: Answer[][] = users.map(() => [])
    let running = true
    const loops = users.map(async (user, u) => {
      for (let i = 0; running; i++) {
        const wave = await Promise.all(Array.from({ length: 8 }, (_, k) => call(servers[u], user, i * 8 + k)))
        answers[u].push(...wave)
        if (u === 3 && wave.every((a) => a.status === 0)) break // the stopped instance no longer answers
      }
    })
    // Leases are in use on every instance before the stop.
    const deadline = Date.now() + 30_000
    while ((await Promise.all(users.map((u) => leasesOf(u.id)))).some((n) => n === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(await leasesOf(users[3].id)).toBeGreaterThan(0)
    await victim.stop()
    // Gone with the process: given back at SIGTERM, not left to expire (no one else holds this user's).
    expect(await leasesOf(users[3].id)).toBe(0)
    running = false
    await Promise.all(loops)
    expect(victim.output()).not.toMatch(/uncaught ?exception|unhandled ?rejection/i)
    for (const [u, user] of users.entries()) {
      expect(answers[u].filter((a) => a.status !== 0 && a.status !== 200)).toEqual([])
      await settled(user, answers[u], u === 3)
      expect(await holdsOf(db(), user.id)).toBe(0)
    }
    // The others' leases end by themselves once their callers stop.
    for (const user of users) expect(await leasesOf(user.id)).toBe(0)
    servers = servers.slice(0, 3)
  })
})
