// The console's users table against the real database: search by email, external id and id;
// every sort pages through all rows exactly once in order, ties included, both ways; cursors
// are validated. Other tests write users at the same time, so each case searches its own token.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCursor, listUsers, USER_SORTS, type UserListRow, type UserSort } from '@/lib/admin/user-list'
import { closeDatabase } from '@/lib/db/prisma'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!
const token = `ul${randomUUID().slice(0, 8)}`
const users: { id: string; email: string }[] = []
let lastCall = ''

afterAll(() => closeDatabase())

beforeAll(async () => {
  await withClient(url(), async (c) => {
    for (let i = 0; i < 7; i++) {
      const email = `${token}-${String.fromCharCode(97 + i)}@example.test`
      users.push({ id: await insertUser(c, email), email })
    }
    // Ties: three users share a period cost, two their creation time; two have calls, the rest none (a tie too).
    await c.query(`update public.user_subscriptions set period_cost = 1.5 where user_id = any($1::uuid[])`, [users.slice(0, 3).map((u) => u.id)])
    await c.query(`update public.user_subscriptions set period_cost = 0.25 where user_id = $1`, [users[5].id])
    await c.query(`update auth.users set created_at = '2024-01-01T00:00:00Z' where id = any($1::uuid[])`, [[users[3].id, users[4].id]])
    // Calls through settlement (record_usage), which keeps the subscription's last_call_at.
    for (const user of [users[2], users[6], users[2]]) {
      await c.query(`select public.record_usage($1::jsonb)`, [
        JSON.stringify({ user_id: user.id, service_type: 'chat', provider: 'simulator', model: 'sim-chat', endpoint: '/api/v1/chat/completions', request_id: randomUUID(), status: 'success', total_cost: '0' }),
      ])
    }
    lastCall = (await c.query<{ at: string }>(`select to_char(max(created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from public.api_usage where user_id = $1`, [users[2].id])).rows[0].at
    await c.query(`insert into public.user_external_ids (external_id, user_id) values ($1, $2)`, [`${token}-ext-42`, users[4].id])
  })
})

async function walk(sort: UserSort, dir: 'asc' | 'desc'): Promise<UserListRow[]> {
  const seen: UserListRow[] = []
  let after: string | undefined
  for (let guard = 0; guard < 10; guard++) {
    const page = await listUsers({ q: token, sort, dir, limit: 2, after })
    seen.push(...page.rows)
    if (!page.next) break
    after = page.next
  }
  return seen
}

describe('listUsers', () => {
  it('finds users by part of the email, by external id and by id', async () => {
    expect((await listUsers({ q: token })).rows).toHaveLength(7)
    expect((await listUsers({ q: `${token}-c@` })).rows.map((r) => r.id)).toEqual([users[2].id])
    const byExternal = (await listUsers({ q: 'ext-42', limit: 200 })).rows.find((r) => r.id === users[4].id)
    expect(byExternal?.external_id).toBe(`${token}-ext-42`)
    expect((await listUsers({ q: users[5].id })).rows.map((r) => r.email)).toEqual([users[5].email])
    // LIKE's wildcards are literal: "%" finds no email with a percent sign.
    expect((await listUsers({ q: `${token}%` })).rows).toEqual([])
  })

  it('shows plan, status, use per service, period cost, budget and last call', async () => {
    const row = (await listUsers({ q: `${token}-c@` })).rows[0]
    expect(row).toMatchObject({ plan: 'demo', status: 'active', period_cost: '1.5', last_call: lastCall })
    expect(row.services?.chat).toEqual({ used: 2, limit: 999_999 })
    expect((await listUsers({ q: `${token}-a@` })).rows[0].last_call).toBeNull()
  })

  it.each(USER_SORTS.flatMap((s) => [[s, 'asc'], [s, 'desc']] as const))('pages by %s %s: every row once, in order, ties by id', async (sort, dir) => {
    const all = (await listUsers({ q: token, sort, dir, limit: 50 })).rows
    const paged = await walk(sort, dir)
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id))
    expect(new Set(paged.map((r) => r.id)).size).toBe(7)
    const key = (r: UserListRow) =>
      sort === 'email' ? r.email! : sort === 'period_cost' ? Number(r.period_cost) : sort === 'last_call' ? (r.last_call ?? '') : sort === 'plan' ? r.plan! : r.created_at
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [key(all[i - 1]), key(all[i])]
      if (a === b) expect(dir === 'asc' ? all[i - 1].id < all[i].id : all[i - 1].id > all[i].id).toBe(true)
      else expect(dir === 'asc' ? a < b : a > b).toBe(true)
    }
  })

  it('goes back a page to the same rows', async () => {
    const first = await listUsers({ q: token, sort: 'period_cost', dir: 'desc', limit: 2 })
    expect(first.prev).toBeNull()
    const second = await listUsers({ q: token, sort: 'period_cost', dir: 'desc', limit: 2, after: first.next! })
    const third = await listUsers({ q: token, sort: 'period_cost', dir: 'desc', limit: 2, after: second.next! })
    const back = await listUsers({ q: token, sort: 'period_cost', dir: 'desc', limit: 2, before: third.prev! })
    expect(back.rows.map((r) => r.id)).toEqual(second.rows.map((r) => r.id))
    const start = await listUsers({ q: token, sort: 'period_cost', dir: 'desc', limit: 2, before: back.prev! })
    expect(start.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id))
    expect(start.prev).toBeNull()
    expect(first.rows.map((r) => r.period_cost)).toEqual(['1.5', '1.5'])
  })

  it('refuses a forged cursor or one from another order', async () => {
    await expect(listUsers({ after: 'not-a-cursor' })).rejects.toThrow('cursor is not a cursor this list gave')
    await expect(listUsers({ after: encodeCursor({ s: 'email', k: 'x', id: randomUUID() }), sort: 'created' })).rejects.toThrow('cursor belongs to the email order')
    await expect(listUsers({ sort: 'password' as UserSort })).rejects.toThrow('sort must be one of')
  })
})
