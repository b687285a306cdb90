// The user page's console actions and the support view against the real database: every write
// leaves its audit row (through lib/admin/manage.ts), the library's refusals come back under the
// field they name, and "act as support" reads the other user's Usage tab and records the look.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { withClient } from '@/test/databases'
import { insertOwnedRows, insertUser } from '@/test/fixtures'

const operator = { kind: 'operator' as const, userId: randomUUID(), email: 'support@example.test' }
vi.mock('@/lib/admin/session', () => ({ requireOperator: async () => operator, getOperator: async () => operator }))
vi.mock('next/cache', () => ({ revalidatePath: () => {} }))

const actions = await import('@/app/(admin)/admin/users/[id]/actions')
const { listAudit } = await import('@/lib/admin/audit')
const { getUserDetail, listPlanOptions } = await import('@/lib/admin/user-detail')
const { openSupportView } = await import('@/lib/admin/support-view')
const { getUsageDashboard } = await import('@/lib/usage/dashboard')

const url = () => process.env.DATABASE_URL!
afterAll(() => closeDatabase())

const newUser = () => withClient(url(), (c) => insertUser(c))
function form(fields: Record<string, string>): FormData {
  const data = new FormData()
  for (const [k, v] of Object.entries(fields)) data.set(k, v)
  return data
}

describe('user page actions', () => {
  it('changes plan, limits, enforcement, budget and rates, each leaving its audit row', async () => {
    const userId = await newUser()
    expect((await listPlanOptions()).map((p) => p.id)).toEqual(expect.arrayContaining(['free', 'pro', 'business']))
    expect(await actions.changePlanAction(null, form({ userId, plan: 'pro' }))).toEqual({ ok: true, data: 'pro' })
    expect(await actions.setLimitAction(null, form({ userId, service: 'embedding', limit: '40' }))).toMatchObject({ ok: true })
    expect(await actions.setEnforcementAction(null, form({ userId, enforcement: 'hard' }))).toEqual({ ok: true, data: 'hard' })
    expect(await actions.setBudgetAction(null, form({ userId, budget: '12.50' }))).toEqual({ ok: true, data: '12.5' })
    expect(await actions.setBudgetAction(null, form({ userId, budget: '' }))).toEqual({ ok: true, data: null })
    expect(await actions.setRequestsPerMinuteAction(null, form({ userId, service: 'chat', requests_per_minute: '7' }))).toMatchObject({ ok: true })
    expect(await actions.setTokensPerMinuteAction(null, form({ userId, service: 'chat', tokens_per_minute: '900' }))).toMatchObject({ ok: true })
    const audit = await listAudit({ targetUserId: userId })
    expect(audit.map((e) => e.action)).toEqual(['user.tpm', 'user.rpm', 'user.budget', 'user.budget', 'user.enforcement', 'user.limit', 'user.plan'])
    expect(audit.every((e) => e.actor === 'operator:support@example.test')).toBe(true)
    const detail = (await getUserDetail(userId))!
    expect(detail.subscription).toMatchObject({ plan_type: 'pro', enforcement_mode: 'hard', budget: null })
    expect(detail.subscription!.services.find((s) => s.id === 'chat')).toMatchObject({ requests_per_minute: 7, tokens_per_minute: 900 })
    expect(detail.subscription!.services.find((s) => s.id === 'embedding')).toMatchObject({ limit: 40 })
  })

  it('puts each refusal under its field and writes nothing', async () => {
    const userId = await newUser()
    expect(await actions.setBudgetAction(null, form({ userId, budget: '-3' }))).toMatchObject({ ok: false, fieldErrors: { budget: expect.stringContaining('budget must be a decimal amount') } })
    expect(await actions.setLimitAction(null, form({ userId, service: 'chat', limit: 'lots' }))).toMatchObject({ ok: false, fieldErrors: { limit: 'limit must be a whole number' } })
    expect(await actions.setLimitAction(null, form({ userId, service: 'chat' }))).toMatchObject({ ok: false, fieldErrors: { limit: expect.stringContaining('chat always has a limit') } })
    expect(await actions.changePlanAction(null, form({ userId, plan: 'platinum' }))).toMatchObject({ ok: false, fieldErrors: { plan: expect.stringContaining('plan must be one of') } })
    expect(await actions.setRequestsPerMinuteAction(null, form({ userId, service: 'chat', requests_per_minute: '0' }))).toMatchObject({ ok: false, fieldErrors: { requests_per_minute: 'requests_per_minute must be at least 1' } })
    expect(await actions.changePlanAction(null, form({ userId: 'nobody', plan: 'pro' }))).toMatchObject({ ok: false, fieldErrors: { userId: 'Unknown user' } })
    expect(await listAudit({ targetUserId: userId })).toEqual([])
  })

  it('issues a key shown once, revokes one and all, releases holds, fixes counters, each audited', async () => {
    const userId = await newUser()
    await withClient(url(), (c) => insertOwnedRows(c, userId))
    const created = await actions.createKeyAction(null, form({ userId, name: 'support' }))
    expect(created).toMatchObject({ ok: true, data: { key: expect.stringMatching(/^tg_/) } })
    await actions.createKeyAction(null, form({ userId, name: 'second' }))
    const [newest] = (await getUserDetail(userId))!.keys
    expect(await actions.revokeKeyAction(null, form({ userId, keyId: newest.id }))).toEqual({ ok: true, data: true })
    expect(await actions.revokeKeyAction(null, form({ userId, keyId: newest.id }))).toMatchObject({ ok: false, error: 'That key is already revoked or does not exist.' })
    const active = (await getUserDetail(userId))!.keys.filter((k) => !k.revoked_at).length
    expect(active).toBeGreaterThan(0)
    expect(await actions.revokeAllKeysAction(null, form({ userId }))).toEqual({ ok: true, data: active })
    expect((await getUserDetail(userId))!.keys.every((k) => k.revoked_at)).toBe(true)
    expect(await actions.releaseHoldsAction(null, form({ userId }))).toEqual({ ok: true, data: 1 })
    // The fixture's usage row was never counted: the check says so, the fix sets it.
    const checked = await actions.reconcileAction(null, form({ userId }))
    expect(checked).toMatchObject({ ok: true, data: { fixed: false, lines: expect.arrayContaining([expect.objectContaining({ measure: 'chat_messages_used', counter: '0', from_rows: '1' })]) } })
    expect(await actions.reconcileAction(null, form({ userId, fix: 'yes' }))).toMatchObject({ ok: true, data: { fixed: true } })
    expect(await actions.reconcileAction(null, form({ userId }))).toEqual({ ok: true, data: { fixed: false, lines: [] } })
    const audit = (await listAudit({ targetUserId: userId })).map((e) => e.action)
    expect(audit).toEqual(['user.reconcile', 'user.release_holds', 'user.keys_revoke', 'user.key_revoke', 'user.key_create', 'user.key_create'])
    expect(JSON.stringify(await listAudit({ targetUserId: userId }))).not.toContain((created as { data: { key: string } }).data.key)
  })
})

describe('act as support', () => {
  it("reads the other user's Usage tab as they see it and records the look", async () => {
    const userId = await newUser()
    await withClient(url(), (c) => insertOwnedRows(c, userId))
    const now = new Date()
    const view = (await openSupportView(operator, userId, now))!
    expect(view.dashboard.recent).toHaveLength(1)
    expect(view.dashboard.summary.alerts[0].message).toBe('Half of your chat messages are used')
    // The same as the user's own page, read under their RLS session.
    expect(view.dashboard).toEqual(await getUsageDashboard(userId, now))
    expect(view.webhook.secret).toBeNull()
    const [entry] = await listAudit({ targetUserId: userId })
    expect(entry).toMatchObject({ action: 'user.support_view', actor: 'operator:support@example.test', target_user: userId })
    expect(await openSupportView(operator, randomUUID())).toBeNull()
    expect(await openSupportView(operator, 'not-a-user')).toBeNull()
  })
})
