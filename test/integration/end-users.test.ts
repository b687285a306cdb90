// A product's own users behind one service key: each is named per call (x-tollgate-user, or
// the body's safety_identifier / user / metadata.user_id), made on first sight on the sign-up
// plan, and admitted, capped and metered as its own user. Ordinary keys may name only themselves.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI, { APIError } from 'openai'
import { hashKey } from '@/lib/keys/hash'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let server: NextServer
let serviceKey: string
const db = () => process.env.DATABASE_URL!
const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(db(), async (c) => (await c.query<T>(text, params)).rows)
const chat = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello' }], max_tokens: 20 }
const service = () => new OpenAI({ apiKey: serviceKey, baseURL: `${server.url}/api/v1`, maxRetries: 0 })
const userOf = async (externalId: string) => (await sql<{ user_id: string }>('select user_id::text from public.user_external_ids where external_id = $1', [externalId]))[0]?.user_id

async function refusal(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(APIError)
  return error as APIError
}

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'end-users-test-secret-at-least-32-characters' })
  serviceKey = `tgs_${randomBytes(32).toString('base64url')}`
  await sql(`insert into public.operator_keys (kind, name, key_prefix, key_hash, created_by) values ('service', 'end-users test', $1, $2, 'cli')`, [serviceKey.slice(0, 12), hashKey(serviceKey)])
})
afterAll(() => server.stop())

describe('a service key acting for the product’s users', () => {
  it('creates the user on first sight, on the sign-up plan, and meters the call to it', async () => {
    const name = `product-user-${randomUUID()}`
    const completion = await service().chat.completions.create(chat, { headers: { 'x-tollgate-user': name } })
    expect(completion.choices[0].message.content).toBeTruthy()
    const userId = await userOf(name)
    expect(userId).toMatch(/^[0-9a-f-]{36}$/)
    const [{ signup_plan }] = await sql<{ signup_plan: string }>('select signup_plan from public.app_settings limit 1')
    const [subscription] = await sql<{ plan_type: string }>('select plan_type from public.user_subscriptions where user_id = $1', [userId])
    expect(subscription.plan_type).toBe(signup_plan)
    const rows = await usageRows(db(), userId, 1)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'success', user_id: userId })
    expect(rows[0].metadata).toMatchObject({ auth: 'service_key', service_key_id: expect.any(String) })
    // The creation is audited as the service key's.
    const audit = await sql<{ actor: string }>('select actor from public.operator_audit where action = $1 and target = $2', ['user.create', name])
    expect(audit).toEqual([{ actor: `service_key:${serviceKey.slice(0, 12)}` }])
  })

  it('gives two end users behind one key separate quotas under parallel load', async () => {
    const names = [`quota-a-${randomUUID()}`, `quota-b-${randomUUID()}`]
    for (const name of names) await service().chat.completions.create(chat, { headers: { 'x-tollgate-user': name } })
    const ids = await Promise.all(names.map(userOf))
    const limit = 5
    for (const id of ids) {
      // One call already made: `limit` more fit.
      await sql(`update public.user_subscriptions set chat_messages_limit = $2, enforcement_mode = 'hard' where user_id = $1`, [id, limit + 1])
      await sql('update public.api_rate_limits set requests_per_minute = 100000 where user_id = $1', [id])
    }
    const client = service()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.chat.completions.create(chat, { headers: { 'x-tollgate-user': names[i % 2] } }).then(
          () => ({ who: i % 2, status: 200 }),
          (e: APIError) => ({ who: i % 2, status: e.status }),
        ),
      ),
    )
    for (const who of [0, 1]) {
      const mine = results.filter((r) => r.who === who)
      expect(mine.filter((r) => r.status === 200)).toHaveLength(limit)
      expect(mine.filter((r) => r.status === 429)).toHaveLength(20 - limit)
      const rows = await usageRows(db(), ids[who], 21)
      expect(rows).toHaveLength(21)
      expect(rows.every((r) => r.user_id === ids[who])).toBe(true)
      expect(rows.filter((r) => r.status === 'success')).toHaveLength(limit + 1)
    }
  })

  it('takes the end user from safety_identifier, user, or Anthropic metadata.user_id when there is no header', async () => {
    const bySafety = `safety-${randomUUID()}`
    const byUser = `user-${randomUUID()}`
    const byMetadata = `anthropic-${randomUUID()}`
    await service().chat.completions.create({ ...chat, safety_identifier: bySafety })
    await service().chat.completions.create({ ...chat, user: byUser })
    const anthropic = await fetch(`${server.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': serviceKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: byMetadata } }),
    })
    expect(anthropic.status).toBe(200)
    for (const name of [bySafety, byUser, byMetadata]) {
      const id = await userOf(name)
      expect(id).toBeTruthy()
      expect(await usageRows(db(), id, 1)).toHaveLength(1)
    }
  })

  it('refuses a service key that names nobody (400), or an invalid name (400)', async () => {
    const none = await refusal(service().chat.completions.create(chat))
    expect(none.status).toBe(400)
    expect(none.message).toMatch(/service key acts for one of your users: name them in the x-tollgate-user header/)
    const tooLong = await refusal(service().chat.completions.create(chat, { headers: { 'x-tollgate-user': 'x'.repeat(256) } }))
    expect(tooLong.status).toBe(400)
    expect(tooLong.message).toMatch(/x-tollgate-user header: an external id is 1 to 255 characters/)
    const notString = await refusal(service().chat.completions.create({ ...chat, user: 42 as unknown as string }))
    expect(notString.status).toBe(400)
    expect(notString.message).toMatch(/user must be a string: the id of your user/)
  })
})

describe('an ordinary key', () => {
  it('cannot act for another user (403, no row), may name itself, and its body user field is not a claim', async () => {
    const [me, other] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
    const denied = await refusal(me.client.chat.completions.create(chat, { headers: { 'x-tollgate-user': other.id } }))
    expect(denied.status).toBe(403)
    expect((denied.error as { code?: string }).code).toBe('permission_denied')
    const product = `someone-${randomUUID()}`
    expect((await refusal(me.client.chat.completions.create(chat, { headers: { 'x-tollgate-user': product } }))).status).toBe(403)
    // Naming itself, by id or by its external id, is fine; so is any OpenAI `user` field.
    await me.client.chat.completions.create(chat, { headers: { 'x-tollgate-user': me.id } })
    const mine = `mine-${randomUUID()}`
    await sql('insert into public.user_external_ids (external_id, user_id) values ($1, $2)', [mine, me.id])
    await me.client.chat.completions.create(chat, { headers: { 'x-tollgate-user': mine } })
    await me.client.chat.completions.create({ ...chat, user: other.id, safety_identifier: product })
    const rows = await usageRows(db(), me.id, 3)
    await new Promise((r) => setTimeout(r, 500))
    expect(await usageRows(db(), me.id, 3)).toHaveLength(3)
    expect(rows.every((r) => r.status === 'success')).toBe(true)
    expect(await usageRows(db(), other.id, 0, 0)).toHaveLength(0)
    expect(await userOf(product)).toBeUndefined()
  })
})
