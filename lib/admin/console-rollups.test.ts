// The console rollups against the real database: what record_usage books under parallel
// settlement equals what the ledger says, computed here from the rows we sent (not by the
// rebuild's SQL); console_rebuild() reproduces the same numbers from api_usage.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatUsd, parseUsd } from '@/lib/pricing/money'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'
import { bucketOf, BUCKETS } from './histogram'

const url = () => process.env.DATABASE_URL!
let pool: pg.Pool
beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 24 })
})
afterAll(() => pool.end())

const STATUSES = ['success', 'success', 'success', 'error', 'rate_limited', 'client_aborted'] as const
type Call = { user: string; provider: string; model: string; status: string; code: string | null; cost: string | null; costStatus: string; latency: number; at: string; tokens: number }

function calls(users: string[], n: number): Call[] {
  const day = Date.UTC(2026, 0, 10, 22, 0, 0)
  return Array.from({ length: n }, (_, i) => {
    const status = STATUSES[i % STATUSES.length]
    const costStatus = i % 7 === 0 ? 'unpriced' : i % 5 === 0 ? 'estimated' : 'priced'
    return {
      user: users[i % users.length],
      provider: ['openai', 'anthropic'][i % 2],
      model: ['gpt-4o', 'claude-sonnet', 'gpt-4o-mini'][i % 3],
      status,
      code: status === 'error' ? ['upstream_error', 'upstream_timeout'][i % 2] : status === 'rate_limited' ? 'rate_limit_exceeded' : null,
      cost: costStatus === 'unpriced' ? null : `0.00${(i % 9) + 1}00000000${i % 10}`,
      costStatus,
      latency: 5 + ((i * 37) % 3000),
      // Three hours across a UTC midnight: two days, three hours.
      at: new Date(day + (i % 3) * 3_600_000 + i).toISOString(),
      tokens: i % 100,
    }
  })
}

async function record(c: Call): Promise<void> {
  // The ledger has months from the migration's on; the app makes older ones when a row needs one.
  await pool.query('select public.api_usage_partition_for($1)', [c.at])
  await pool.query('select public.record_usage($1::jsonb)', [
    JSON.stringify({
      user_id: c.user, service_type: 'chat', provider: c.provider, model: c.model, endpoint: '/test', request_id: `req_${randomUUID()}`,
      input_tokens: c.tokens, output_tokens: 2 * c.tokens, total_cost: c.cost, input_cost: c.cost, output_cost: c.cost === null ? null : '0',
      generation_cost: c.cost === null ? null : '0', cost_status: c.costStatus, status: c.status, error_code: c.code, latency_ms: c.latency,
      metadata: c.status === 'error' ? { error_message: 'boom' } : {}, created_at: c.at,
    }),
  ])
}

const dayOf = (at: string) => at.slice(0, 10)
const hourOf = (at: string) => new Date(Math.floor(Date.parse(at) / 3_600_000) * 3_600_000).toISOString()
const refused = (c: Call) => c.status === 'rate_limited' || c.status === 'limit_exceeded'

/** What the three rollups must hold, folded in TypeScript from the calls sent. */
function expected(sent: Call[]) {
  const users = new Map<string, { calls: number; errors: number; cost: bigint; unpriced: number; estimated: number }>()
  const models = new Map<string, { calls: number; errors: number; refused: number; cost: bigint; unpriced: number; estimated: number; input: number; codes: Record<string, number>; hist: number[] }>()
  const hours = new Map<string, { calls: number; errors: number; codes: Record<string, number>; hist: number[]; lastErrorAt: string | null }>()
  for (const c of sent) {
    const u = users.get(`${dayOf(c.at)}|${c.user}`) ?? { calls: 0, errors: 0, cost: 0n, unpriced: 0, estimated: 0 }
    u.calls++
    u.errors += c.status === 'error' ? 1 : 0
    u.cost += c.cost ? parseUsd(c.cost) : 0n
    u.unpriced += c.costStatus === 'unpriced' ? 1 : 0
    u.estimated += c.costStatus === 'estimated' ? 1 : 0
    users.set(`${dayOf(c.at)}|${c.user}`, u)
    const m = models.get(`${dayOf(c.at)}|${c.provider}|${c.model}`) ?? { calls: 0, errors: 0, refused: 0, cost: 0n, unpriced: 0, estimated: 0, input: 0, codes: {} as Record<string, number>, hist: new Array<number>(BUCKETS).fill(0) }
    const h = hours.get(`${hourOf(c.at)}|${c.provider}`) ?? { calls: 0, errors: 0, codes: {} as Record<string, number>, hist: new Array<number>(BUCKETS).fill(0), lastErrorAt: null }
    m.calls++
    h.calls++
    m.errors += c.status === 'error' ? 1 : 0
    h.errors += c.status === 'error' ? 1 : 0
    m.refused += refused(c) ? 1 : 0
    m.cost += c.cost ? parseUsd(c.cost) : 0n
    m.unpriced += c.costStatus === 'unpriced' ? 1 : 0
    m.estimated += c.costStatus === 'estimated' ? 1 : 0
    m.input += c.tokens
    if (c.status !== 'success') {
      const key = c.code ?? c.status
      m.codes[key] = (m.codes[key] ?? 0) + 1
      h.codes[key] = (h.codes[key] ?? 0) + 1
    }
    if (!refused(c)) {
      m.hist[bucketOf(c.latency) - 1]++
      h.hist[bucketOf(c.latency) - 1]++
    }
    if (c.status === 'error' && (!h.lastErrorAt || c.at > h.lastErrorAt)) h.lastErrorAt = c.at
    models.set(`${dayOf(c.at)}|${c.provider}|${c.model}`, m)
    hours.set(`${hourOf(c.at)}|${c.provider}`, h)
  }
  const fmt = <T extends object>(map: Map<string, T>) =>
    Object.fromEntries([...map].map(([k, v]) => [k, 'cost' in v && typeof v.cost === 'bigint' ? { ...v, cost: formatUsd(v.cost) } : v]))
  const months = new Map<string, { calls: number; errors: number; cost: bigint; unpriced: number; estimated: number }>()
  for (const [k, u] of users) {
    const key = `${k.slice(0, 7)}-01|${k.split('|')[1]}`
    const m = months.get(key) ?? { calls: 0, errors: 0, cost: 0n, unpriced: 0, estimated: 0 }
    months.set(key, { calls: m.calls + u.calls, errors: m.errors + u.errors, cost: m.cost + u.cost, unpriced: m.unpriced + u.unpriced, estimated: m.estimated + u.estimated })
  }
  return { users: fmt(users), months: fmt(months), models: fmt(models), hours: fmt(hours) }
}

/** The rollups as stored, shards summed, in the shape of expected(). */
async function stored(users: string[]) {
  return withClient(url(), async (c) => {
    const u = await c.query(
      `select to_char(day, 'YYYY-MM-DD') || '|' || user_id as k, calls::int, errors::int, cost::text, unpriced::int, estimated::int
         from public.console_user_days where user_id = any($1)`, [users])
    const mo = await c.query(
      `select to_char(month, 'YYYY-MM-DD') || '|' || user_id as k, calls::int, errors::int, cost::text, unpriced::int, estimated::int
         from public.console_user_months where user_id = any($1)`, [users])
    const m = await c.query(
      `select to_char(day, 'YYYY-MM-DD') || '|' || provider || '|' || model as k, sum(calls)::int calls, sum(errors)::int errors,
              sum(refused)::int refused, sum(cost)::text cost, sum(unpriced)::int unpriced, sum(estimated)::int estimated,
              sum(input_tokens)::int input, jsonb_agg(error_codes) codes, array_agg(latency_hist) hists
         from public.console_model_days group by day, provider, model`)
    const h = await c.query(
      `select to_char(hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') || '|' || provider as k, sum(calls)::int calls,
              sum(errors)::int errors, jsonb_agg(error_codes) codes, array_agg(latency_hist) hists, max(last_error_at) as last_error_at,
              (array_agg(last_error order by last_error_at desc nulls last))[1] as last_error
         from public.console_provider_hours group by hour, provider`)
    const sumCodes = (list: Record<string, number>[]) => list.reduce<Record<string, number>>((acc, o) => {
      for (const [k, n] of Object.entries(o)) acc[k] = (acc[k] ?? 0) + Number(n)
      return acc
    }, {})
    const sumHists = (list: string[][]) => Array.from({ length: BUCKETS }, (_, i) => list.reduce((a, h) => a + Number(h[i]), 0))
    return {
      users: Object.fromEntries(u.rows.map(({ k, ...v }) => [k, { ...v, cost: formatUsd(parseUsd(v.cost)) }])),
      months: Object.fromEntries(mo.rows.map(({ k, ...v }) => [k, { ...v, cost: formatUsd(parseUsd(v.cost)) }])),
      models: Object.fromEntries(m.rows.map(({ k, codes, hists, ...v }) => [k, { ...v, cost: formatUsd(parseUsd(v.cost)), codes: sumCodes(codes), hist: sumHists(hists) }])),
      hours: Object.fromEntries(h.rows.map(({ k, codes, hists, last_error_at, last_error, ...v }) => {
        expect(last_error === null || last_error.endsWith(': boom')).toBe(true)
        return [k, { ...v, codes: sumCodes(codes), hist: sumHists(hists), lastErrorAt: last_error_at?.toISOString() ?? null }]
      })),
    }
  })
}

describe('console rollups', () => {
  it('equal the ledger after 600 parallel record_usage calls, and console_rebuild() reproduces them', async () => {
    const users = await withClient(url(), async (c) => {
      const ids: string[] = []
      for (let i = 0; i < 6; i++) ids.push(await insertUser(c))
      return ids
    })
    const sent = calls(users, 600)
    await Promise.all(sent.map(record))
    const want = expected(sent)
    const shards = await withClient(url(), async (c) => (await c.query('select count(distinct shard)::int n from public.console_model_days')).rows[0].n)
    expect(shards).toBeGreaterThan(1) // parallel sessions did spread over shards
    expect(await stored(users)).toEqual(want)

    await withClient(url(), (c) => c.query('select public.console_rebuild()'))
    expect(await withClient(url(), async (c) => (await c.query('select distinct shard from public.console_model_days')).rows)).toEqual([{ shard: 0 }])
    expect(await stored(users)).toEqual(want)

    // A settlement after the rebuild adds on top of it.
    await record({ ...sent[0], at: sent[0].at })
    const after = await stored(users)
    expect(after.users[`${dayOf(sent[0].at)}|${sent[0].user}`].calls).toBe(want.users[`${dayOf(sent[0].at)}|${sent[0].user}`].calls + 1)
  })
})
