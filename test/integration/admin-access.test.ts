// Who may reach the operator console: every page under app/(admin) and every server action
// declared there answers 404 to a visitor who is signed out or signed in without the operator
// role, and serves an operator. The pages and actions are found by walking the source and the
// build's action manifest, so a new page or action is covered the day it is added.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { withClient } from '@/test/databases'
import { startNextServer, type NextServer } from '@/test/next-server'
import { actionOutcome, callServerAction, form, serverActionId } from '@/test/server-actions'

const db = () => process.env.DATABASE_URL!
let server: NextServer
let operator: GatewayUser
let member: GatewayUser
let memberEmail: string

function pagesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return pagesUnder(full)
    return name === 'page.tsx' ? [full] : []
  })
}

/** The URL of a page file, its dynamic segments filled with a real id: a plan's under plans, else a user's. */
function urlOf(file: string, userId: string): string {
  const route = path.dirname(path.relative('app/(admin)', file)).split(path.sep)
  return `/${route.map((segment, i) => (segment === '[id]' ? (route[i - 1] === 'plans' ? 'free' : userId) : segment)).join('/')}`
}

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'gateway-test-secret-at-least-32-characters' })
  ;[operator, member] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
  await withClient(db(), (c) => c.query(`insert into public.operators (user_id, granted_by) values ($1, 'tests')`, [operator.id]))
  memberEmail = await withClient(db(), async (c) => (await c.query<{ email: string }>('select email from auth.users where id = $1', [member.id])).rows[0].email)
})
afterAll(() => server?.stop())

const pages = pagesUnder('app/(admin)')

describe('operator console pages', () => {
  it('has pages to guard', () => {
    expect(pages.length).toBeGreaterThan(0)
  })

  it.each(pages)('%s: 404 signed out and for a non-operator, 200 for an operator', async (file) => {
    const url = `${server.url}${urlOf(file, member.id)}`
    expect(url).not.toMatch(/\[/)
    const [signedOut, nonOperator, asOperator] = await Promise.all([
      fetch(url, { redirect: 'manual' }),
      fetch(url, { redirect: 'manual', headers: { cookie: member.cookie } }),
      fetch(url, { redirect: 'manual', headers: { cookie: operator.cookie } }),
    ])
    expect(signedOut.status).toBe(404)
    expect(nonOperator.status).toBe(404)
    const body = await asOperator.text()
    expect(asOperator.status, body.slice(0, 300)).toBe(200)
    // Nothing of the console reaches a non-operator: not its navigation, not its data.
    expect(await nonOperator.text()).not.toContain('aria-label="Console"')
  })
})

describe('operator console actions', () => {
  const manifest = JSON.parse(readFileSync('.next-test/server/server-reference-manifest.json', 'utf8')) as { node: Record<string, { filename?: string; exportedName?: string }> }
  const actions = Object.entries(manifest.node).filter(([, a]) => a.filename?.startsWith('app/(admin)/'))

  it('finds the console\'s actions in the build', () => {
    expect(actions.length).toBeGreaterThan(0)
  })

  it.each(actions.map(([id, a]) => [`${a.filename} ${a.exportedName}`, id]))('%s: 404 signed out and for a non-operator, nothing written', async (_name, id) => {
    const before = await auditCount()
    // Fields that would make each action write if its guard were missing (the audit count would move).
    const fields = form({ userId: member.id, id: member.id, email: memberEmail, kind: 'admin', name: 'intruder', plan: 'business', service: 'chat', limit: '1', budget: '1', mode: 'off', enforcement: 'hard', requests_per_minute: '5', tokens_per_minute: '5', fix: 'yes' })
    const [signedOut, nonOperator] = await Promise.all([
      callServerAction(server.url, '/admin/audit', id, [null, fields]),
      callServerAction(server.url, '/admin/audit', id, [null, fields], { cookie: member.cookie }),
    ])
    // A server action's 404 is Next's not-found signal in its answer (the browser then shows the
    // 404 page); the HTTP status of an action's answer stays 200.
    for (const answer of [signedOut, nonOperator]) {
      expect(actionOutcome(await answer.text())).toEqual({ error: { digest: 'NEXT_HTTP_ERROR_FALLBACK;404' } })
    }
    expect(await auditCount()).toBe(before)
  })
})

async function auditCount(): Promise<number> {
  return withClient(db(), async (c) => Number((await c.query<{ n: string }>('select count(*) as n from public.operator_audit')).rows[0].n))
}

describe('an operator\'s action', () => {
  it('writes through the library and leaves an audit row naming the operator', async () => {
    const id = serverActionId('app/(admin)/admin/access/actions.ts', 'createOperatorKeyAction')
    const answer = await callServerAction(server.url, '/admin/access', id, [null, form({ kind: 'service', name: 'product backend' })], { cookie: operator.cookie })
    const outcome = actionOutcome(await answer.text()) as { value: { ok: true; data: { key: string; prefix: string } } }
    expect(outcome.value.data.key).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/)
    const email = await withClient(db(), async (c) => (await c.query<{ email: string }>('select email from auth.users where id = $1', [operator.id])).rows[0].email)
    const audit = await withClient(db(), async (c) => (await c.query(`select actor, action, after from public.operator_audit where target = $1`, [`service:${outcome.value.data.prefix}`])).rows)
    expect(audit).toEqual([{ actor: `operator:${email}`, action: 'operator_key.create', after: expect.objectContaining({ kind: 'service', name: 'product backend' }) }])
    const refused = await callServerAction(server.url, '/admin/access', id, [null, form({ kind: 'root', name: 'x' })], { cookie: operator.cookie })
    expect(actionOutcome(await refused.text())).toMatchObject({ value: { ok: false, error: 'Choose admin or service' } })
  })
})
