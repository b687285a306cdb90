// Hostile values where they are stored and read back: SQL injection in every filter of the usage
// API, the CSV export and the Activity page (refused, or matching nothing; never another user's
// rows, never a change to the data), formula injection in CSV cells, and markup in model names,
// prompts and campaign names (shown as text on every page).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let server: NextServer
let victim: GatewayUser
let attacker: GatewayUser
const db = () => process.env.DATABASE_URL!

// No vendor keys: the simulator answers, so successful calls need no fake upstream.
beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'hostile-filters-secret-at-least-32-characters' })
  ;[victim, attacker] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
  // The victim's calls use gpt-4o, the attacker's gpt-4o-mini: a leaked row shows as ">gpt-4o<".
  for (const [u, model] of [[victim, 'gpt-4o'], [victim, 'gpt-4o'], [attacker, 'gpt-4o-mini']] as const) expect((await chat(u, { model, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200)
  await usageRows(db(), victim.id, 2)
  await usageRows(db(), attacker.id, 1)
})
afterAll(() => server?.stop())

function chat(u: GatewayUser, body: object, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}
const page = (u: GatewayUser, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: u.cookie }, redirect: 'manual' })

const INJECTIONS = [
  "' OR 1=1 --", "'; drop table api_usage; --", '1) or (1=1', "' OR '1'='1", '" OR ""="', '‘ OR 1=1 --', '’; drop table api_usage; --', 'ʼ OR 1=1--',
  "' UNION SELECT id, email FROM auth.users --", "1; select pg_sleep(3); --", "'||(select string_agg(email, ',') from auth.users)||'", '$$; drop table api_usage; $$',
  "\\'; drop table api_usage; --", "00000000-0000-0000-0000-000000000000' OR '1'='1", "2024-01-01' OR '1'='1", "2024-01-01T00:00:00Z'); drop table api_usage; --",
  '%27 OR 1=1', "gpt-4o' --", "success' OR status <> '", "chat' OR service_type <> '", "\u0000' OR 1=1 --",
]
const HISTORY_FILTERS = ['limit', 'cursor', 'service', 'campaign', 'status', 'model', 'request_id', 'from', 'to']
const EXPORT_FILTERS = ['service', 'campaign', 'status', 'model', 'from', 'to']

/** Every usage row, to compare before and after: injections must change nothing. */
const snapshot = () => withClient(db(), async (c) => (await c.query('select id, user_id, model, status, total_cost::text, request_id from public.api_usage order by id')).rows)
const requestIds = async (u: GatewayUser) => new Set((await usageRows(db(), u.id)).map((r) => r.request_id))

describe('SQL injection in every filter', () => {
  let before: unknown[]
  beforeAll(async () => {
    before = await snapshot()
  })

  it('usage history API: refused with 400, or matching none of the caller\'s rows, never another user\'s', async () => {
    const own = await requestIds(attacker)
    for (const filter of HISTORY_FILTERS)
      for (const value of INJECTIONS) {
        const started = Date.now()
        const response = await fetch(`${server.url}/api/v1/usage/history?${filter}=${encodeURIComponent(value)}`, { headers: { authorization: `Bearer ${attacker.key}` } })
        const body = await response.json()
        const where = `${filter}=${value}`
        expect(Date.now() - started, where).toBeLessThan(2_000)
        if (response.status === 400) expect(body.error.message, where).toMatch(new RegExp(`^${filter}: `))
        else {
          expect(response.status, where).toBe(200)
          // Only free-text filters get here, and no model or request id is an injection string.
          expect(['model', 'request_id'], where).toContain(filter)
          expect(body.data.filter((r: { request_id: string }) => !own.has(r.request_id)), where).toEqual([])
          expect(body.data, where).toEqual([])
        }
      }
  })

  it('usage aggregations API: every injection is refused with 400', async () => {
    for (const filter of ['period', 'from', 'to'])
      for (const value of INJECTIONS) {
        const response = await fetch(`${server.url}/api/v1/usage/aggregations?${filter}=${encodeURIComponent(value)}`, { headers: { authorization: `Bearer ${attacker.key}` } })
        expect(response.status, `${filter}=${value}`).toBe(400)
        expect((await response.json()).error.message, `${filter}=${value}`).toMatch(new RegExp(`^${filter}: `))
      }
  })

  it('CSV export: refused with 400, or a CSV of none of the caller\'s rows', async () => {
    for (const filter of EXPORT_FILTERS)
      for (const value of INJECTIONS) {
        const response = await page(attacker, `/api/usage/export?${filter}=${encodeURIComponent(value)}`)
        const text = await response.text()
        if (response.status === 400) expect(JSON.parse(text).error.message, `${filter}=${value}`).toMatch(new RegExp(`^${filter}: `))
        else {
          expect([response.status, filter], `${filter}=${value}`).toEqual([200, 'model'])
          expect(parseCsv(text).length, `${filter}=${value}: only the header`).toBe(1)
        }
      }
  })

  it('Activity page: shows the filter error or no calls, never another user\'s, and never fails', async () => {
    const values = [...INJECTIONS, '275760-09-13', '0000-01-01', '2023-02-29', Buffer.from(JSON.stringify(['1', randomUUID()])).toString('base64url')]
    for (const filter of [...EXPORT_FILTERS, 'cursor', 'detail'])
      for (const value of values) {
        const response = await page(attacker, `/settings/activity?${filter}=${encodeURIComponent(value)}`)
        const html = await response.text()
        const where = `${filter}=${value}`
        // `detail` names one row: anything that is not one of the caller's rows is a 404.
        if (filter === 'detail') {
          expect(response.status, where).toBe(404)
          expect(html, where).not.toContain('>gpt-4o<')
          continue
        }
        expect(response.status, where).toBe(200)
        expect(html, where).not.toContain('>gpt-4o<')
        expect(html, where).not.toContain('data-testid="activity-detail"')
        // A refused filter is explained; an accepted one matched nothing, or only the caller's own call.
        expect(/role="alert"|No calls match|>gpt-4o-mini</.test(html), where).toBe(true)
      }
  })

  it('changed nothing: every row, the victim\'s included, is as it was', async () => {
    expect(await snapshot()).toEqual(before)
    expect(before.length).toBeGreaterThanOrEqual(3)
  })
})

describe('CSV export and formula injection', () => {
  it('prefixes every cell that would start a formula, and the file still parses', async () => {
    const u = await createGatewayUser(server.url)
    // Refused calls (no such model) still leave a row with the model name as sent.
    const models = ['=HYPERLINK("http://evil.test","x")', '+1+1', '-1+1', "-2+3+cmd|' /C calc'!A0", '@SUM(A1:A2)', '\t=1+1', '\r=1+1', 'a,"quoted",\nmultiline', '-']
    for (const model of models) expect((await chat(u, { model, messages: [{ role: 'user', content: 'x' }] })).status).toBe(404)
    expect((await chat(u, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).status).toBe(200)
    await usageRows(db(), u.id, models.length + 1)

    const response = await page(u, '/api/usage/export')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/)
    const [header, ...rows] = parseCsv(await response.text())
    expect(rows).toHaveLength(models.length + 1)
    expect(rows.every((r) => r.length === header.length)).toBe(true)
    const model = header.indexOf('model')
    const expected = models.map((m) => (/^[=+\-@\t\r]/.test(m) ? `'${m}` : m))
    expect(rows.map((r) => r[model]).sort()).toEqual([...expected, 'gpt-4o-mini'].sort())
    // No cell anywhere starts a formula, unless it is a plain number.
    for (const cell of rows.flat()) if (/^[=+\-@\t\r]/.test(cell)) expect(cell).toMatch(/^-?\d+(\.\d+)?$/)
  })
})

describe('markup in names and prompts renders as text', () => {
  it('on the Activity page, a call\'s details, the Usage page and the Studio', async () => {
    const u = await createGatewayUser(server.url)
    const campaign = randomUUID()
    await withClient(db(), (c) => c.query(`insert into public.campaigns (id, user_id, name) values ($1, $2, '<script>alert(1)</script>')`, [campaign, u.id]))
    const prompt = '"><svg onload=alert(1)> <img src=x onerror=alert(1)>'
    expect((await chat(u, { model: 'gpt-4o-mini', campaign, messages: [{ role: 'user', content: prompt }] })).status).toBe(200)
    expect((await chat(u, { model: '<img src=x onerror=alert(1)>', messages: [{ role: 'user', content: prompt }] })).status).toBe(404)
    const success = (await usageRows(db(), u.id, 2)).find((r) => r.status === 'success')!

    const pages = {
      activity: ['/settings/activity', ['&lt;img src=x onerror=alert(1)&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;']],
      detail: [`/settings/activity?detail=${success.id}`, ['&lt;svg onload=alert(1)&gt;']],
      usage: ['/settings/usage', ['&lt;img src=x onerror=alert(1)&gt;']],
      studio: ['/studio', []],
    } as const
    for (const [name, [path, escaped]] of Object.entries(pages)) {
      const response = await page(u, path)
      expect(response.status, name).toBe(200)
      const html = await response.text()
      expect(html, name).not.toMatch(/<script>alert\(1\)|<img[^>]*onerror|<svg[^>]*onload/i)
      for (const text of escaped) expect(html, `${name} shows ${text}`).toContain(text)
    }
    // The Studio hands the campaign names to its client island as data (escaped), not markup.
    expect(await (await page(u, '/studio')).text()).toMatch(/\\u003cscript\\u003ealert\(1\)\\u003c\/script\\u003e|&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  })
})

/** RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  const endCell = () => {
    row.push(cell)
    cell = ''
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"'
      i++
    } else if (ch === '"') quoted = !quoted
    else if (quoted) cell += ch
    else if (ch === ',') endCell()
    else if (ch === '\n') {
      endCell()
      rows.push(row)
      row = []
    } else cell += ch
  }
  if (cell || row.length) {
    endCell()
    rows.push(row)
  }
  return rows
}
