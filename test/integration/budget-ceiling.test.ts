// A hard budget is a ceiling even for one call (issue 13, item 6): when the caller gives no
// output cap, the gateway sends the upstream the cap it held for, so no call can bill more than
// its hold. Through the real server, the official OpenAI SDK and a fake OpenAI that writes until
// its output limit ([verbose]) and bills every one of n choices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { createGatewayUser, holdsOf, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
const db = () => process.env.DATABASE_URL!
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'budget-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

/** A user on a hard monthly budget of `budget` dollars, with a rate limit out of the way. */
async function userWithBudget(budget: string): Promise<GatewayUser> {
  const user = await createGatewayUser(server.url)
  await sql(`update public.user_subscriptions set plan_type = 'pro', monthly_cost_budget = $2, enforcement_mode = 'hard' where user_id = $1`, [user.id, budget])
  await sql(`update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1`, [user.id])
  return user
}

async function periodCost(userId: string): Promise<number> {
  const { rows } = await sql('select period_cost::text as cost from public.user_subscriptions where user_id = $1', [userId])
  return Number(rows[0].cost)
}

const messages = [{ role: 'user' as const, content: 'Write me everything you know about toll roads [verbose]' }]
/** The upstream request a call made, found by its unique prompt. */
const sentFor = (marker: string) => upstream.calls.filter((c) => JSON.stringify(c.body).includes(marker))

describe('a hard budget is a ceiling for one uncapped call', () => {
  it('n: 16 with no max tokens settles within the budget; the upstream got the cap that was held', async () => {
    const user = await userWithBudget('0.5')
    const marker = `single-${user.id}`
    const { data, response } = await user.client.chat.completions
      .create({ model: 'gpt-4o', n: 16, messages: [{ role: 'user', content: `${messages[0].content} ${marker}` }] })
      .withResponse()
    expect(data.choices).toHaveLength(16)
    const [row] = await usageRows(db(), user.id)
    expect(row.status).toBe('success')
    // The remaining budget, not the model's 16,384, set the cap: 16 × 16,384 tokens of gpt-4o is $2.62.
    expect(Number(row.total_cost)).toBeGreaterThan(0.4)
    expect(Number(row.total_cost)).toBeLessThanOrEqual(0.5)
    expect(await periodCost(user.id)).toBeLessThanOrEqual(0.5)
    const [sent] = sentFor(marker)
    const cap = sent.body.max_completion_tokens as number
    expect(cap).toBeGreaterThanOrEqual(256)
    expect(sent.body).not.toHaveProperty('max_tokens')
    expect(row.output_tokens).toBe(16 * cap)
    expect(response.headers.get('x-tollgate-max-completion-tokens')).toBe(String(cap))
    expect(data.choices.every((c) => c.finish_reason === 'length')).toBe(true)
    expect(await holdsOf(db(), user.id)).toBe(0)
  })

  it('never lets the period cost pass the budget, with such calls in parallel', async () => {
    const user = await userWithBudget('0.5')
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => user.client.chat.completions.create({ model: 'gpt-4o', n: 16, messages: [{ role: 'user', content: `${messages[0].content} parallel ${i}` }] })),
    )
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 429, code: 'usage_limit_exceeded' })
    const rows = await usageRows(db(), user.id, 6, 30_000)
    expect(rows).toHaveLength(6)
    const cost = await periodCost(user.id)
    expect(cost).toBeLessThanOrEqual(0.5)
    expect(cost).toBeCloseTo(rows.reduce((sum, r) => sum + Number(r.total_cost), 0), 9)
    expect(await holdsOf(db(), user.id)).toBe(0)
  })

  it('holds the streamed path to the same ceiling', async () => {
    const user = await userWithBudget('0.5')
    const marker = `stream-${user.id}`
    const stream = await user.client.chat.completions.create({ model: 'gpt-4o', n: 16, stream: true, messages: [{ role: 'user', content: `${messages[0].content} ${marker}` }] })
    const indexes = new Set<number>()
    for await (const chunk of stream) for (const choice of chunk.choices) indexes.add(choice.index)
    expect(indexes.size).toBe(16)
    const [row] = await usageRows(db(), user.id)
    expect(row.status).toBe('success')
    expect(Number(row.total_cost)).toBeLessThanOrEqual(0.5)
    expect(await periodCost(user.id)).toBeLessThanOrEqual(0.5)
    expect(sentFor(marker)[0].body.max_completion_tokens).toBeGreaterThanOrEqual(256)
  })

  it('holds content generations to it too (gpt-4.1 writes up to 32,768 tokens)', async () => {
    const user = await userWithBudget('0.2')
    const marker = `content-${user.id}`
    const response = await fetch(`${server.url}/api/v1/content/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ brief: `Everything about toll roads [verbose] ${marker}`, format: 'blog_post', model: 'gpt-4.1' }),
    })
    expect(response.status).toBe(200)
    const [row] = await usageRows(db(), user.id)
    expect(Number(row.total_cost)).toBeLessThanOrEqual(0.2)
    expect(await periodCost(user.id)).toBeLessThanOrEqual(0.2)
    expect(sentFor(marker)[0].body.max_completion_tokens).toBeGreaterThan(0)
  })

  it('refuses with the usual 429 when not even a minimal answer fits the budget left', async () => {
    const user = await userWithBudget('0.01')
    const before = upstream.calls.length
    await expect(user.client.chat.completions.create({ model: 'gpt-4o', n: 16, messages })).rejects.toMatchObject({
      status: 429,
      code: 'usage_limit_exceeded',
      error: expect.objectContaining({ limit_name: 'monthly_cost_budget' }),
    })
    expect(upstream.calls.length).toBe(before)
  })
})

describe('the cap sent upstream', () => {
  it('keeps the caller\'s own cap and field name', async () => {
    const user = await createGatewayUser(server.url)
    const marker = `own-${user.id}`
    await user.client.chat.completions.create({ model: 'gpt-4o', max_tokens: 50, n: 2, messages: [{ role: 'user', content: `hi ${marker}` }] })
    const [sent] = sentFor(marker)
    expect(sent.body.max_tokens).toBe(50)
    expect(sent.body).not.toHaveProperty('max_completion_tokens')
    const [row] = await usageRows(db(), user.id)
    expect(row.output_tokens).toBe(100)
  })

  it('sends reasoning models max_completion_tokens, and older models no more than they can write', async () => {
    const user = await createGatewayUser(server.url)
    await user.client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: `think ${user.id}` }] })
    await user.client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: `old ${user.id}` }] })
    const sent = sentFor(user.id)
    expect(sent.map((c) => c.body.max_completion_tokens)).toEqual([16_384, 4_096])
    expect(sent.every((c) => !('max_tokens' in c.body))).toBe(true)
  })
})
