// Settings → Account → Delete account on the real server: a call through the gateway, then the
// account deleted through the server action as a browser sends it. The old session cookie and
// API key are refused, the call's personal data is gone, its ledger row and rollups remain.
// And the Activity page still shows a call whose details have expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

let server: NextServer
const db = () => process.env.DATABASE_URL!
const PASSWORD = 'a long enough password' // createGatewayUser's

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'deletion-test-secret-at-least-32-characters' })
})
afterAll(() => server?.stop())

const emailOf = (u: GatewayUser) => withClient(db(), async (c) => (await c.query('select email from auth.users where id = $1', [u.id])).rows[0].email as string)
const count = (sql: string, params: unknown[]) => withClient(db(), async (c) => Number((await c.query(sql, params)).rows[0].n))

async function deleteAccount(u: GatewayUser, fields: Record<string, string>) {
  const response = await callServerAction(server.url, '/settings/account', serverActionId('app/(app)/settings/account/actions.ts', 'deleteAccountAction'), [null, form(fields)], { cookie: u.cookie })
  return { response, outcome: actionOutcome(await response.text()) }
}

describe('deleting an account from Settings → Account', () => {
  it('refuses without the right password or confirmation, and deletes nothing', async () => {
    const u = await createGatewayUser(server.url)
    const email = await emailOf(u)
    expect((await deleteAccount(u, { confirm: email, password: 'not my password' })).outcome).toMatchObject({ value: { ok: false, fieldErrors: { password: 'Current password is wrong' } } })
    expect((await deleteAccount(u, { confirm: 'someone@else.test', password: PASSWORD })).outcome).toMatchObject({ value: { ok: false, fieldErrors: { confirm: expect.any(String) } } })
    expect(await count('select count(*) as n from auth.users where id = $1', [u.id])).toBe(1)
    expect((await fetch(`${server.url}/api/v1/usage`, { headers: { authorization: `Bearer ${u.key}` } })).status).toBe(200)
  })

  it('erases the person and keeps the ledger: old cookie and key get 401, details gone, usage rows and cost unchanged', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my phone number is 555-0100' }] })
    const [row] = await usageRows(db(), u.id, 1)
    expect(row.user_agent).toMatch(/OpenAI/)
    expect(JSON.stringify(row.request_payload)).toContain('555-0100')
    const ledger = () =>
      withClient(db(), async (c) => (await c.query(`select count(*)::int as calls, sum(total_cost)::text as cost, (select count(*)::int from public.usage_aggregations where user_id = $1) as rollups from public.api_usage where user_id = $1`, [u.id])).rows[0])
    const before = await ledger()
    expect(before.calls).toBe(1)

    const { response } = await deleteAccount(u, { confirm: (await emailOf(u)).toUpperCase(), password: PASSWORD })
    // Next answers the action's redirect in its header (the browser's router follows it).
    expect(response.status).toBe(200)
    expect(response.headers.get('x-action-redirect')).toMatch(/^\/(;|$)/)
    expect(response.headers.getSetCookie().some((c) => /^tg_session=;/.test(c) || /^tg_session=.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i.test(c))).toBe(true)

    expect((await fetch(`${server.url}/api/v1/usage`, { headers: { cookie: u.cookie } })).status).toBe(401)
    expect((await fetch(`${server.url}/api/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] }) })).status).toBe(401)
    expect((await fetch(`${server.url}/settings/account`, { headers: { cookie: u.cookie }, redirect: 'manual' })).headers.get('location')).toContain('/login')

    expect(await count('select count(*) as n from public.api_usage_details where user_id = $1', [u.id])).toBe(0)
    expect(await count('select count(*) as n from auth.users where id = $1', [u.id])).toBe(0)
    expect(await count('select count(*) as n from public.api_keys where user_id = $1', [u.id])).toBe(0)
    expect(await ledger()).toEqual(before)
  })
})

describe('Activity after retention', () => {
  it('still shows a call whose details expired, saying so', async () => {
    const u = await createGatewayUser(server.url)
    await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'soon forgotten' }] })
    const [row] = await usageRows(db(), u.id, 1)
    await withClient(db(), (c) => c.query('delete from public.api_usage_details where request_id = $1', [row.request_id]))

    const page = await fetch(`${server.url}/settings/activity?detail=${row.id}`, { headers: { cookie: u.cookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('data-testid="activity-detail"')
    expect(html).toContain(row.request_id)
    expect(html).toContain('data-testid="details-expired"')
    expect(html).not.toContain('soon forgotten')

    const history = await (await fetch(`${server.url}/api/v1/usage/history`, { headers: { authorization: `Bearer ${u.key}` } })).json()
    expect(history.data).toEqual([expect.objectContaining({ request_id: row.request_id, ip_address: null, user_agent: null })])
  })
})
