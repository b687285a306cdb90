// Limits that hold under concurrency, through TWO app server processes sharing one database:
// admission is a single database step, so no limit multiplies with the number of servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import OpenAI from 'openai'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let servers: NextServer[]
const db = () => process.env.DATABASE_URL!
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))

beforeAll(async () => {
  const env = { DATABASE_URL: db(), AUTH_SECRET: 'limits-test-secret-at-least-32-characters' }
  servers = await Promise.all([startNextServer(env), startNextServer(env)])
})
afterAll(() => Promise.all(servers.map((s) => s.stop())))

/** OpenAI's duration format for x-ratelimit-reset-* ("873ms", "1.2s", "59.874s", "6m0s"). */
const DURATION = /^(?:\d+ms|(?:\d+m)?\d+(?:\.\d{1,3})?s)$/
const seconds = (d: string) => (d.endsWith('ms') ? Number(d.slice(0, -2)) / 1000 : Number(d.match(/^(?:(\d+)m)?/)![1] ?? 0) * 60 + Number(d.replace(/^\d+m/, '').slice(0, -1)))

/** `count` chat calls fired at once, alternating between the two servers. */
async function burst(user: GatewayUser, count: number, body: object = {}) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await fetch(`${servers[i % 2].url}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `call ${i}` }], max_tokens: 20, ...body }),
      })
      return { status: response.status, headers: response.headers, body: await response.json() }
    }),
  )
}

describe('limits across two servers', () => {
  it('admits exactly 50 of 200 parallel calls against a hard limit of 50, and records all 200', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 50, enforcement_mode = 'hard' where user_id = $1`, [user.id])
    await sql(`update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`, [user.id])

    const results = await burst(user, 200)
    const ok = results.filter((r) => r.status === 200)
    const refused = results.filter((r) => r.status === 429)
    expect(ok).toHaveLength(50)
    expect(refused).toHaveLength(150)
    for (const r of refused) {
      expect(r.body.error).toMatchObject({
        message: 'You have reached your monthly limit. Upgrade your plan to continue.',
        type: 'usage_limit_error',
        code: 'usage_limit_exceeded',
        limit_name: 'chat_messages',
        limit: 50,
        upgrade_url: expect.stringMatching(/\/settings\/account$/),
      })
      expect(r.body.error.used).toBeGreaterThanOrEqual(50)
      expect(Date.parse(r.body.error.resets_at)).toBeGreaterThan(Date.now())
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
      // Retry-After is the period's end: the SDK must not sleep that long to retry.
      expect(r.headers.get('x-should-retry')).toBe('false')
    }
    for (const r of results) {
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('100000')
      // At most 200 of the 100,000 were spent by this burst (a missing header fails here too).
      expect(r.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/)
      expect(Number(r.headers.get('x-ratelimit-remaining-requests'))).toBeGreaterThanOrEqual(100_000 - 200)
      expect(Number(r.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(100_000)
      expect(r.headers.get('x-ratelimit-reset-requests')).toMatch(DURATION)
    }
    // Each admission took its own hit under the user's lock: no two admitted calls saw the same remainder.
    expect(new Set(ok.map((r) => r.headers.get('x-ratelimit-remaining-requests'))).size).toBe(50)

    const rows = await usageRows(db(), user.id, 200, 30_000)
    expect(rows).toHaveLength(200)
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(50)
    const limited = rows.filter((r) => r.status === 'limit_exceeded')
    expect(limited).toHaveLength(150)
    expect(limited.every((r) => r.total_cost === '0.000000000000' && r.error_code === 'usage_limit_exceeded')).toBe(true)
    const { rows: [sub] } = await sql('select chat_messages_used from public.user_subscriptions where user_id = $1', [user.id])
    expect(sub.chat_messages_used).toBe(50)
    const { rows: holds } = await sql('select count(*)::int as n from public.usage_holds where user_id = $1', [user.id])
    expect(holds[0].n).toBe(0)
  })

  it('keeps settled spend within the budget plus one call\'s estimate', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = 0.004, enforcement_mode = 'hard' where user_id = $1`, [user.id])
    const results = await burst(user, 60)
    const admitted = results.filter((r) => r.status === 200).length
    expect(admitted).toBeGreaterThan(0)
    expect(results.filter((r) => r.status === 429).every((r) => r.body.error.limit_name === 'monthly_cost_budget')).toBe(true)
    await usageRows(db(), user.id, 60, 30_000)
    const { rows: [sub] } = await sql('select period_cost::text as cost from public.user_subscriptions where user_id = $1', [user.id])
    // One call's estimate: ~12 prompt tokens at $2.50/M plus 20 output tokens at $10/M.
    const oneEstimate = 0.00025
    expect(Number(sub.cost)).toBeLessThanOrEqual(0.004 + oneEstimate)
    const { rows: [sum] } = await sql(`select coalesce(sum(total_cost), 0)::text as total from public.api_usage where user_id = $1`, [user.id])
    expect(Number(sum.total)).toBe(Number(sub.cost))
  })

  it('lets at most N requests a minute through a burst spread over both servers', async () => {
    const user = await createGatewayUser(servers[1].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', enforcement_mode = 'hard' where user_id = $1`, [user.id])
    await sql(`update public.api_rate_limits set requests_per_minute = 20 where user_id = $1`, [user.id])
    const results = await burst(user, 80)
    expect(results.filter((r) => r.status === 200)).toHaveLength(20)
    const limited = results.filter((r) => r.status === 429)
    expect(limited).toHaveLength(60)
    for (const r of limited) {
      expect(r.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error', limit_name: 'requests_per_minute', limit: 20 })
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      // A hit leaves 60 s after the start of its second: the wait is under 60 s, which the SDKs honour.
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60)
      expect(Number(r.headers.get('retry-after-ms'))).toBeLessThan(60_000)
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    }
    const rows = await usageRows(db(), user.id, 80, 30_000)
    expect(rows.filter((r) => r.status === 'rate_limited')).toHaveLength(60)
  })

  it('warns instead of refusing under soft enforcement', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'business', chat_messages_limit = 1, enforcement_mode = 'soft' where user_id = $1`, [user.id])
    const [first, second] = [await burst(user, 1), await burst(user, 1)].flat()
    expect([first.status, second.status]).toEqual([200, 200])
    expect(first.headers.get('x-tollgate-warning')).toBeNull()
    expect(second.headers.get('x-tollgate-warning')).toMatch(/chat_messages/)
  })

  it('makes the openai SDK wait once, the time the 429 says, and then succeed', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.api_rate_limits set requests_per_minute = 1 where user_id = $1 and service_type = 'chat'`, [user.id])
    const answers: { status: number; headers: Headers }[] = []
    const client = new OpenAI({
      apiKey: user.key,
      baseURL: `${servers[0].url}/api/v1`,
      maxRetries: 1,
      fetch: async (url, init) => {
        const response = await fetch(url, init)
        answers.push({ status: response.status, headers: response.headers })
        return response
      },
    })
    const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], max_tokens: 20 })
    await ask()
    // The minute's one request, aged by 50 s (as if sent then): the next call waits ~10 s, not 60.
    await sql(`update public.api_rate_limits set window_seconds = array(select s - 50 from unnest(window_seconds) s) where user_id = $1 and service_type = 'chat'`, [user.id])
    const second = await ask()
    expect(second.choices[0].message.content).toBeTruthy()
    expect(answers.map((a) => a.status)).toEqual([200, 429, 200])
    const limited = answers[1].headers
    const exact = Number(limited.get('retry-after-ms')) / 1000
    expect(exact).toBeGreaterThan(0)
    expect(exact).toBeLessThanOrEqual(10)
    expect(Number(limited.get('retry-after'))).toBe(Math.ceil(exact))
    expect(limited.get('x-ratelimit-reset-requests')).toMatch(DURATION)
    expect(seconds(limited.get('x-ratelimit-reset-requests')!)).toBeCloseTo(exact, 2)
    const rows = await usageRows(db(), user.id, 3)
    expect(rows.map((r) => r.status)).toEqual(['success', 'rate_limited', 'success'])
  })

  it('never lets truly parallel calls pass the tokens-per-minute limit', async () => {
    const user = await createGatewayUser(servers[0].url)
    await sql(`update public.user_subscriptions set plan_type = 'pro', enforcement_mode = 'hard' where user_id = $1`, [user.id])
    await sql(`update public.api_rate_limits set requests_per_minute = 1000, tokens_per_minute = 1000 where user_id = $1`, [user.id])
    // Each call may use its prompt plus 100 output tokens: about nine fit in the minute at once.
    const results = await burst(user, 30, { max_tokens: 100 })
    const ok = results.filter((r) => r.status === 200)
    const refused = results.filter((r) => r.status === 429)
    expect(ok.length).toBeGreaterThan(0)
    expect(ok.length + refused.length).toBe(30)
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'rate_limited', limit_name: 'tokens_per_minute', limit: 1000 })
    for (const r of results) {
      expect(r.headers.get('x-ratelimit-limit-tokens')).toBe('1000')
      expect(Number(r.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(1000)
      expect(r.headers.get('x-ratelimit-reset-tokens')).toMatch(DURATION)
    }
    const rows = await usageRows(db(), user.id, 30, 30_000)
    const used = rows.filter((r) => r.status === 'success').reduce((sum, r) => sum + Number(r.input_tokens) + Number(r.output_tokens), 0)
    expect(used).toBeLessThanOrEqual(1000)
    // Settlement left the window holding exactly what the calls used (estimates corrected).
    const { rows: [w] } = await sql(`select coalesce((select sum(t) from unnest(window_tokens) t), 0)::int as tokens from public.api_rate_limits where user_id = $1 and service_type = 'chat'`, [user.id])
    expect(w.tokens).toBe(used)
  })
})
