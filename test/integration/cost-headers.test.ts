// The cost travels with the answer: every metered chat/content answer says what it cost in
// x-tollgate-cost / x-tollgate-cost-status; a stream (whose headers leave before its cost is
// known) says "pending" and sends the cost at its end, in a form the official OpenAI SDK still
// parses. Checked against the usage row and against figures worked out by hand from the rates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI, FAKE_REPLY, type FakeOpenAI } from '@/test/fakes/openai'
import { withClient } from '@/test/databases'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const newUser = () => createGatewayUser(server.url)
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))

// The fake bills 1,000 prompt and 500 completion tokens. gpt-4o: $2.50 in, $10 out per million
// tokens: 1,000 × 2.5e-6 + 500 × 10e-6 = $0.0075. With [cached] (800 at $1.25):
// 200 × 2.5e-6 + 800 × 1.25e-6 + 0.005 = $0.0065.
const GPT4O_CALL = '0.0075'
const GPT4O_CACHED_CALL = '0.0065'

async function rawChat(key: string, body: object): Promise<{ response: Response; text: string }> {
  const response = await fetch(`${server.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { response, text: await response.text() }
}

describe('x-tollgate-cost', () => {
  it('says the settled cost of a plain completion, as its row books it', async () => {
    const u = await newUser()
    const { response } = await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi [cached]' }] }).withResponse()
    expect(response.headers.get('x-tollgate-cost')).toBe(GPT4O_CACHED_CALL)
    expect(response.headers.get('x-tollgate-cost-status')).toBe('priced')
    expect(response.headers.get('x-tollgate-provider')).toBe('openai')
    const [row] = await usageRows(db(), u.id)
    expect(canonical(row.total_cost)).toBe(GPT4O_CACHED_CALL)
  })

  it('says the cost of a content generation', async () => {
    const u = await newUser()
    const response = await fetch(`${server.url}/api/v1/content/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ brief: 'a launch', format: 'headline', model: 'gpt-4o' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-tollgate-cost')).toBe(GPT4O_CALL)
    expect(response.headers.get('x-tollgate-cost-status')).toBe('priced')
    expect((await response.json()).cost).toEqual({ total_cost: GPT4O_CALL, cost_status: 'priced' })
  })

  it('streams: pending in the headers, the cost in the usage chunk, parsed by the OpenAI SDK', async () => {
    const u = await newUser()
    const { data: stream, response } = await u.client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })
      .withResponse()
    expect(response.headers.get('x-tollgate-cost-status')).toBe('pending')
    expect(response.headers.get('x-tollgate-cost')).toBeNull()
    let text = ''
    let usage: Record<string, unknown> | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>
    }
    expect(text).toBe(FAKE_REPLY.join(''))
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, cost: GPT4O_CALL, cost_status: 'priced' })
    const [row] = await usageRows(db(), u.id)
    expect(canonical(row.total_cost)).toBe(GPT4O_CALL)
  })

  it('streams without usage: the cost comes as an SSE comment before [DONE], which the SDK and its stream helper skip', async () => {
    const u = await newUser()
    const { response, text } = await rawChat(u.key, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true })
    expect(response.headers.get('x-tollgate-cost-status')).toBe('pending')
    expect(text.endsWith(`: x-tollgate-cost=${GPT4O_CALL} x-tollgate-cost-status=priced\n\ndata: [DONE]\n\n`)).toBe(true)
    expect(text).not.toContain('"usage"')

    const chunks: string[] = []
    for await (const chunk of await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true }))
      chunks.push(chunk.choices[0]?.delta.content ?? '')
    expect(chunks.join('')).toBe(FAKE_REPLY.join(''))
    const helper = u.client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
    expect((await helper.finalChatCompletion()).choices[0].message.content).toBe(FAKE_REPLY.join(''))
  })

  it('says what a stream that breaks mid-way was charged, before its error event', async () => {
    const u = await newUser()
    const { text } = await rawChat(u.key, { model: 'gpt-4o', messages: [{ role: 'user', content: 'crash [fault:stream-error]' }], stream: true })
    const [row] = await usageRows(db(), u.id)
    expect(row.status).toBe('error')
    const comment = `: x-tollgate-cost=${canonical(row.total_cost)} x-tollgate-cost-status=${row.cost_status}\n\n`
    expect(text).toContain(comment)
    expect(text.indexOf(comment)).toBeLessThan(text.indexOf('"error"'))
    expect(text).not.toContain('[DONE]')
  })

  it('says 0 for a refused call, which costs nothing', async () => {
    const u = await newUser()
    await sql(`update public.user_subscriptions set plan_type = 'pro', chat_messages_limit = 0, enforcement_mode = 'hard' where user_id = $1`, [u.id])
    const { response } = await rawChat(u.key, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
    expect(response.status).toBe(429)
    expect(response.headers.get('x-tollgate-cost')).toBe('0')
    expect(response.headers.get('x-tollgate-cost-status')).toBe('priced')
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'limit_exceeded', cost_status: 'priced' })
    expect(canonical(row.total_cost)).toBe('0')
  })

  it('refuses an archived campaign with 400 on param campaign, and books the refusal untagged', async () => {
    const u = await newUser()
    const { rows } = await sql(`insert into public.campaigns (user_id, name, status) values ($1, 'old', 'archived') returning id::text`, [u.id])
    const archived = rows[0].id as string
    const { response, text } = await rawChat(u.key, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], campaign: archived })
    expect(response.status).toBe(400)
    expect(JSON.parse(text).error).toMatchObject({ code: 'invalid_request', param: 'campaign', message: `Campaign ${archived} is archived` })
    expect(response.headers.get('x-tollgate-cost')).toBe('0')
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'error', campaign_id: null })
    expect(upstream.calls.some((c) => JSON.stringify(c.body).includes(archived))).toBe(false)
  })
})
