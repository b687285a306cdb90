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
import { callServerAction, form } from '@/test/server-actions'

const db = () => process.env.DATABASE_URL!
let server: NextServer
let operator: GatewayUser
let member: GatewayUser

function pagesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return pagesUnder(full)
    return name === 'page.tsx' ? [full] : []
  })
}

/** The URL of a page file, its dynamic segments filled with a real user's id. */
function urlOf(file: string, userId: string): string {
  const route = path.dirname(path.relative('app/(admin)', file)).split(path.sep)
  return `/${route.map((segment) => (segment === '[id]' ? userId : segment)).join('/')}`
}

beforeAll(async () => {
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'gateway-test-secret-at-least-32-characters' })
  ;[operator, member] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
  await withClient(db(), (c) => c.query(`insert into public.operators (user_id, granted_by) values ($1, 'tests')`, [operator.id]))
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

  it.each(actions.map(([id, a]) => [`${a.filename} ${a.exportedName}`, id]))('%s: 404 for a non-operator, nothing written', async (_name, id) => {
    const before = await auditCount()
    const fields = form({ userId: member.id, plan: 'business', service: 'chat', limit: '1', budget: '1', mode: 'off' })
    const [signedOut, nonOperator] = await Promise.all([
      callServerAction(server.url, '/admin', id, [null, fields]),
      callServerAction(server.url, '/admin', id, [null, fields], { cookie: member.cookie }),
    ])
    expect(signedOut.status).toBe(404)
    expect(nonOperator.status).toBe(404)
    expect(await auditCount()).toBe(before)
  })
})

async function auditCount(): Promise<number> {
  return withClient(db(), async (c) => Number((await c.query<{ n: string }>('select count(*) as n from public.operator_audit')).rows[0].n))
}
