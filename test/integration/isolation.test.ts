// Tenant isolation on the real server: user A, with A's API key and with A's session cookie,
// against user B's API key, video job, usage row and campaign. Every route, page or action that
// takes an id answers A exactly as it answers an id that does not exist (404 where it is an
// HTTP resource), and changes nothing of B's.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

const base = () => inject('baseUrl')
const db = () => inject('nextDatabaseUrl')

let a: GatewayUser
let b: GatewayUser
let bKeyId: string
let bJobId: string
let bRow: { id: string; request_id: string }
let bCampaignId: string
const B_PROMPT = `B's private prompt ${randomUUID()}`

/** A's two credentials: every gateway check runs with each. */
const A_CREDENTIALS = ['API key', 'session cookie'] as const
const asA = (via: (typeof A_CREDENTIALS)[number]): Record<string, string> => (via === 'API key' ? { authorization: `Bearer ${a.key}` } : { cookie: a.cookie })

/** The answer with `id` written as <id>, so answers for two ids can be compared. */
const answer = async (response: Response, id: string) => ({ status: response.status, body: (await response.text()).replaceAll(id, '<id>') })

const action = (file: string, name: string) => serverActionId(`app/${file}`, name)

beforeAll(async () => {
  ;[a, b] = await Promise.all([createGatewayUser(base()), createGatewayUser(base())])
  bKeyId = (await (await fetch(`${base()}/api/keys`, { headers: { cookie: b.cookie } })).json()).data[0].id

  const job = await fetch(`${base()}/api/v1/videos/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${b.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gen4_turbo', prompt: B_PROMPT, seconds: 5 }),
  })
  expect(job.status).toBe(201)
  bJobId = (await job.json()).id

  await b.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: B_PROMPT }] })
  const [row] = await usageRows(db(), b.id, 1)
  bRow = { id: String(row.id), request_id: row.request_id }
  await a.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'A was here' }] })
  await usageRows(db(), a.id, 1)

  const created = await callServerAction(base(), '/studio', action('(app)/studio/actions.ts', 'createCampaignAction'), [null, form({ name: 'B launch' })], { cookie: b.cookie })
  bCampaignId = (actionOutcome(await created.text()) as { value: { data: { id: string } } }).value.data.id
})

describe('API keys: DELETE /api/keys/{id} and revokeApiKeyAction', () => {
  it('answers A\'s session 404 for B\'s key, exactly as for a key that does not exist, and B\'s key keeps working', async () => {
    const del = (id: string) => fetch(`${base()}/api/keys/${id}`, { method: 'DELETE', headers: { cookie: a.cookie } })
    const missing = randomUUID()
    const forB = await answer(await del(bKeyId), bKeyId)
    expect(forB.status).toBe(404)
    expect(forB).toEqual(await answer(await del(missing), missing))
    expect((await fetch(`${base()}/api/v1/models`, { headers: { authorization: `Bearer ${b.key}` } })).status).toBe(200)
  })

  it('does not take an API key as a credential for managing keys: 401 for B\'s key id and for A\'s own', async () => {
    const aKeyId = (await (await fetch(`${base()}/api/keys`, { headers: { cookie: a.cookie } })).json()).data[0].id
    for (const id of [bKeyId, aKeyId]) {
      const response = await fetch(`${base()}/api/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${a.key}` } })
      expect(response.status).toBe(401)
    }
  })

  it('refuses A revoking B\'s key through the server action, as for an unknown key', async () => {
    const revoke = (id: string) => callServerAction(base(), '/settings/security', action('(app)/settings/actions.ts', 'revokeApiKeyAction'), [id], { cookie: a.cookie })
    const forB = actionOutcome(await (await revoke(bKeyId)).text())
    expect(forB).toEqual({ value: { ok: false, error: 'That key does not exist or is already revoked' } })
    expect(forB).toEqual(actionOutcome(await (await revoke(randomUUID())).text()))
    expect((await fetch(`${base()}/api/v1/models`, { headers: { authorization: `Bearer ${b.key}` } })).status).toBe(200)
  })
})

describe('video jobs: GET /api/v1/videos/generations/{id}', () => {
  it.each(A_CREDENTIALS)('answers A\'s %s 404 for B\'s job, as for a job that does not exist, and leaves the job alone', async (via) => {
    const headers = asA(via)
    const before = await withClient(db(), async (c) => (await c.query('select status, updated_at from public.video_jobs where id = $1', [bJobId])).rows[0])
    const poll = (id: string) => fetch(`${base()}/api/v1/videos/generations/${id}`, { headers })
    const missing = `vid_${randomUUID().replaceAll('-', '').slice(0, 24)}`
    const forB = await answer(await poll(bJobId), bJobId)
    expect(forB.status).toBe(404)
    expect(JSON.parse(forB.body).error).toMatchObject({ code: 'not_found', param: 'id' })
    expect(forB).toEqual(await answer(await poll(missing), missing))
    expect(forB.body).not.toContain('gen4_turbo')
    // A's poll did not advance B's job (a poll of a running job asks the vendor and updates it).
    const after = await withClient(db(), async (c) => (await c.query('select status, updated_at from public.video_jobs where id = $1', [bJobId])).rows[0])
    expect(after).toEqual(before)
  })

  it('still serves B their own job (the 404 above is about who asks)', async () => {
    const own = await fetch(`${base()}/api/v1/videos/generations/${bJobId}`, { headers: { authorization: `Bearer ${b.key}` } })
    expect(own.status).toBe(200)
    expect((await own.json()).id).toBe(bJobId)
  })
})

describe('usage rows', () => {
  const detail = (id: string, cookie: string) => fetch(`${base()}/settings/activity?detail=${id}`, { headers: { cookie }, redirect: 'manual' })

  it('answers 404 to A opening B\'s row on Settings → Activity, as for a row that does not exist, without B\'s data', async () => {
    const forB = await detail(bRow.id, a.cookie)
    const html = await forB.text()
    expect(forB.status).toBe(404)
    expect(html).not.toContain(bRow.request_id)
    expect(html).not.toContain(B_PROMPT)
    expect((await detail(randomUUID(), a.cookie)).status).toBe(404)
  })

  it('opens the row for B, its owner', async () => {
    const own = await detail(bRow.id, b.cookie)
    expect(own.status).toBe(200)
    expect(await own.text()).toContain(bRow.request_id)
  })

  it.each(A_CREDENTIALS)('finds nothing of B\'s in the history API by B\'s request id or campaign (A\'s %s), as for unknown ones', async (via) => {
    const headers = asA(via)
    const history = async (query: string) => (await fetch(`${base()}/api/v1/usage/history?${query}`, { headers })).json()
    expect(await history(`request_id=${bRow.request_id}`)).toEqual({ object: 'list', data: [], next_cursor: null })
    expect(await history(`campaign=${bCampaignId}`)).toEqual(await history(`campaign=${randomUUID()}`))
    const all = await history('limit=100')
    expect(all.data.length).toBeGreaterThan(0)
    expect(JSON.stringify(all)).not.toContain(bRow.id)
  })

  it('exports nothing of B\'s in A\'s CSV, whatever the filter', async () => {
    const csv = async (query: string) => (await fetch(`${base()}/api/usage/export?${query}`, { headers: { cookie: a.cookie } })).text()
    const byCampaign = await csv(`campaign=${bCampaignId}`)
    expect(byCampaign.trim().split('\n')).toHaveLength(1) // the header only
    expect(await csv(`request_id=${bRow.request_id}`)).toBe(byCampaign)
    const all = await csv('')
    expect(all.trim().split('\n').length).toBeGreaterThan(1)
    expect(all).not.toContain(bRow.request_id)
  })
})

describe('campaigns', () => {
  const studio = (name: string, fields: Record<string, string>) =>
    callServerAction(base(), '/studio', action('(app)/studio/actions.ts', name), [null, form(fields)], { cookie: a.cookie })
  const bCampaign = () => withClient(db(), async (c) => (await c.query('select name, status, updated_at from public.campaigns where id = $1', [bCampaignId])).rows[0])

  it.each([
    ['renameCampaignAction', { name: 'Taken over' }],
    ['archiveCampaignAction', {}],
  ])('refuses A\'s %s on B\'s campaign as on one that does not exist, and B\'s campaign is unchanged', async (name, extra) => {
    const before = await bCampaign()
    const missing = randomUUID()
    const forB = actionOutcome((await (await studio(name, { id: bCampaignId, ...extra })).text()).replaceAll(bCampaignId, '<id>'))
    expect(forB).toMatchObject({ value: { ok: false, error: 'That campaign no longer exists.' } })
    expect(forB).toEqual(actionOutcome((await (await studio(name, { id: missing, ...extra })).text()).replaceAll(missing, '<id>')))
    expect(await bCampaign()).toEqual(before)
  })

  const chat = (headers: Record<string, string>, campaign?: string, headerCampaign?: string) =>
    fetch(`${base()}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, ...(headerCampaign ? { 'x-campaign-id': headerCampaign } : {}) },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tag me' }], ...(campaign ? { campaign } : {}) }),
    })

  it.each(A_CREDENTIALS)('refuses B\'s campaign id on A\'s gateway call (A\'s %s) as an unknown campaign, in the body or the header', async (via) => {
    const headers = asA(via)
    const missing = randomUUID()
    for (const [forB, forMissing] of [
      [await chat(headers, bCampaignId), await chat(headers, missing)],
      [await chat(headers, undefined, bCampaignId), await chat(headers, undefined, missing)],
    ]) {
      const refused = await answer(forB, bCampaignId)
      expect(refused.status).toBe(400)
      expect(JSON.parse(refused.body).error).toMatchObject({ code: 'invalid_request', param: 'campaign', message: 'Unknown campaign <id>' })
      expect(refused).toEqual(await answer(forMissing, missing))
    }
    const tagged = await withClient(db(), async (c) => (await c.query('select count(*)::int as n from public.api_usage where campaign_id = $1 and user_id = $2', [bCampaignId, a.id])).rows[0].n)
    expect(tagged).toBe(0)
  })

  it('accepts the campaign for B, its owner', async () => {
    expect((await chat({ authorization: `Bearer ${b.key}` }, bCampaignId)).status).toBe(200)
  })
})
