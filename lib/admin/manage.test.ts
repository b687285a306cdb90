// The operator library against the real database: each write changes what it says, leaves
// one audit row naming who did it with the state before and after, validates its input, and
// the audit itself cannot be changed.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { Actor } from '@/lib/admin/actor'
import { listAudit } from '@/lib/admin/audit'
import { authenticateOperatorKey, createOperatorKey, revokeOperatorKey } from '@/lib/admin/keys'
import { createUserKey, fixUserCounters, releaseUserHolds, revokeUserKeys, setUserBudget, setUserLimit, setUserPlan, setUserTokensPerMinute } from '@/lib/admin/manage'
import { grantOperator, isOperator, revokeOperator } from '@/lib/admin/operators'
import { findOrCreateUser, findUserByRef, userForExternalId } from '@/lib/admin/users'
import { withOperatorRead } from '@/lib/admin/db'
import { closeDatabase, db } from '@/lib/db/prisma'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!
const operator: Actor = { kind: 'operator', userId: randomUUID(), email: 'ops@example.test' }

afterAll(() => closeDatabase())

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `${randomUUID()}@example.test`
  return { id: await withClient(url(), (c) => insertUser(c, email)), email }
}

describe('operator writes', () => {
  it('moves a user to a plan and records who, what, before and after', async () => {
    const user = await newUser()
    const after = await setUserPlan(operator, user.id, 'pro')
    expect(after.plan_type).toBe('pro')
    expect(after.limits.chat).toBe(5000)
    expect(after.monthly_cost_budget).toBe('50')
    const [entry] = await listAudit({ targetUserId: user.id })
    expect(entry).toMatchObject({ actor: 'operator:ops@example.test', action: 'user.plan', target_user: user.id })
    expect(entry.before).toMatchObject({ plan_type: 'demo', limits: { chat: 999_999 } })
    expect(entry.after).toMatchObject({ plan_type: 'pro', limits: { chat: 5000 }, rates: { chat: { requests_per_minute: 60 } } })
  })

  it('sets limits, budget and rates through the same rules as the CLI, each audited', async () => {
    const user = await newUser()
    await setUserLimit(operator, user.id, 'embedding', 40)
    await setUserBudget({ kind: 'cli' }, user.id, '12.50')
    const after = await setUserTokensPerMinute(operator, user.id, 'chat', 5000)
    expect(after.service_limits).toEqual({ embedding: 40 })
    expect(after.monthly_cost_budget).toBe('12.5')
    expect(after.rates.chat.tokens_per_minute).toBe(5000)
    const actions = (await listAudit({ targetUserId: user.id })).map((e) => `${e.actor} ${e.action}`)
    expect(actions).toEqual(['operator:ops@example.test user.tpm', 'cli user.budget', 'operator:ops@example.test user.limit'])
  })

  it('refuses bad input with a message naming it, and writes nothing', async () => {
    const user = await newUser()
    await expect(setUserLimit(operator, user.id, 'chat', null)).rejects.toThrow('chat always has a limit')
    await expect(setUserLimit(operator, user.id, 'teleport', 3)).rejects.toThrow('service must be one of')
    await expect(setUserLimit(operator, user.id, 'chat', 1.5)).rejects.toThrow('limit must be a whole number')
    await expect(setUserBudget(operator, user.id, '-3')).rejects.toThrow('budget must be a decimal amount')
    await expect(setUserPlan(operator, user.id, 'platinum')).rejects.toThrow('plan must be one of')
    await expect(setUserPlan(operator, randomUUID(), 'pro')).rejects.toMatchObject({ code: 'not_found' })
    expect(await listAudit({ targetUserId: user.id })).toEqual([])
  })

  it('issues and revokes a user\'s keys, releases holds, and keeps no key in the audit', async () => {
    const user = await newUser()
    const created = await createUserKey(operator, user.id, 'backend')
    expect(created.key).toMatch(/^tg_/)
    expect(await revokeUserKeys(operator, user.id)).toBe(1)
    expect(await releaseUserHolds(operator, user.id)).toBe(0)
    const entries = await listAudit({ targetUserId: user.id })
    expect(entries.map((e) => e.action)).toEqual(['user.release_holds', 'user.keys_revoke', 'user.key_create'])
    expect(JSON.stringify(entries)).not.toContain(created.key)
  })

  it('sets drifted counters from the usage rows, under audit', async () => {
    const user = await newUser()
    await db().$executeRaw`update public.user_subscriptions set chat_messages_used = 7, period_cost = 3 where user_id = ${user.id}::uuid`
    const fixed = await fixUserCounters(operator, user.id)
    expect(fixed.map((l) => `${l.measure} ${l.counter}→${l.from_rows}`).sort()).toEqual(['chat_messages_used 7→0', 'period_cost 3→0'])
    expect(await fixUserCounters(operator, user.id)).toEqual([])
    const [entry] = await listAudit({ targetUserId: user.id })
    expect(entry).toMatchObject({ action: 'user.reconcile', before: { chat_messages_used: '7', period_cost: '3' }, after: { chat_messages_used: '0', period_cost: '0' } })
  })

  it('keeps the audit append-only, for the app\'s own login too', async () => {
    await expect(db().$executeRaw`update public.operator_audit set actor = 'someone else'`).rejects.toThrow(/append-only/)
    await expect(db().$executeRaw`delete from public.operator_audit`).rejects.toThrow(/append-only/)
  })

  it('reads in a read-only transaction', async () => {
    await expect(withOperatorRead((tx) => tx.$executeRaw`update public.user_subscriptions set status = status where false`)).rejects.toThrow(/read-only/)
  })
})

describe('operators and their keys', () => {
  it('grants and revokes the role, audited', async () => {
    const user = await newUser()
    expect(await isOperator(user)).toBe(false)
    await grantOperator({ kind: 'cli' }, user.email.toUpperCase())
    expect(await isOperator(user)).toBe(true)
    await revokeOperator(operator, user.email)
    expect(await isOperator(user)).toBe(false)
    expect((await listAudit({ targetUserId: user.id })).map((e) => `${e.actor} ${e.action}`)).toEqual(['operator:ops@example.test operator.revoke', 'cli operator.grant'])
    await expect(grantOperator(operator, 'nobody@example.test')).rejects.toMatchObject({ code: 'not_found' })
  })

  it('issues admin and service keys that authenticate only as their kind until revoked', async () => {
    const admin = await createOperatorKey(operator, 'admin', 'backend')
    expect(admin.key).toMatch(/^tga_[A-Za-z0-9_-]{43}$/)
    expect(await authenticateOperatorKey(admin.key, 'admin')).toMatchObject({ kind: 'admin_key', keyId: admin.id })
    expect(await authenticateOperatorKey(admin.key, 'service')).toBeNull()
    expect(await revokeOperatorKey(operator, admin.id)).toBe(true)
    expect(await authenticateOperatorKey(admin.key, 'admin')).toBeNull()
    expect(await revokeOperatorKey(operator, admin.id)).toBe(false)
  })
})

describe('users by the product\'s own id', () => {
  it('makes one user per external id on first sight, even when asked in parallel', async () => {
    const external = `product-user-${randomUUID()}`
    const ids = await Promise.all(Array.from({ length: 8 }, () => userForExternalId({ kind: 'service_key', keyId: randomUUID(), prefix: 'tgs_test' }, external)))
    expect(new Set(ids).size).toBe(1)
    const plan = await db().$queryRaw<{ plan_type: string }[]>`select plan_type from public.user_subscriptions where user_id = ${ids[0]}::uuid`
    expect(plan[0].plan_type).toBe('demo')
    expect(await findUserByRef(external)).toMatchObject({ id: ids[0], external_id: external, email: null })
    const creations = (await listAudit({ limit: 200 })).filter((e) => e.action === 'user.create' && e.target === external)
    expect(creations).toHaveLength(1)
    // The made user is the row's target, so their page in the console lists it.
    expect(creations[0].target_user).toBe(ids[0])
  })

  it('links an external id to the user with that email, and refuses one naming another user', async () => {
    const user = await newUser()
    const external = `ext-${randomUUID()}`
    const linked = await findOrCreateUser(operator, { email: user.email, externalId: external })
    expect(linked).toMatchObject({ created: false, user: { id: user.id, external_id: external } })
    const other = await newUser()
    await expect(findOrCreateUser(operator, { email: other.email, externalId: external })).rejects.toMatchObject({ code: 'conflict' })
    await expect(findOrCreateUser(operator, { externalId: 'a\u0007b' })).rejects.toThrow('control characters')
    await expect(findOrCreateUser(operator, {})).rejects.toThrow('Give an email or an external_id')
  })
})
