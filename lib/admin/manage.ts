import 'server-only'
import { z } from 'zod'
import { AppError } from '@/lib/errors'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'
import type { OperatorTx } from '@/lib/admin/db'
import { applyPlan, setBudget, setEnforcement, setLimit, setRequestsPerMinute, setTokensPerMinute } from '@/lib/billing/apply-plan'
import { isPlanId, listPlans, type EnforcementMode } from '@/lib/billing/plans'
import { createApiKey, CreateApiKeySchema, type ApiKeySummary } from '@/lib/keys/api-keys'
import { hasQuotaColumns, isServiceType, SERVICE_TYPE_IDS, SERVICES, type ServiceType } from '@/lib/services'
import { reconcileUsage, releaseHolds, type ReconcileLine } from '@/lib/usage/reconcile'

// THE operator library: the command line, the console and the operator API change a user
// through these and nothing else, so the rules (and the audit) are the same from everywhere.
// Each validates its input (AppError 400 naming the field), checks the user exists (404), and
// writes its change and the audit row in one transaction.

/** What the audit keeps of a user's terms: plan, limits, enforcement, budget, period, rates. */
export type UserTerms = {
  plan_type: string
  status: string
  limits: Record<string, number>
  service_limits: Record<string, number>
  monthly_cost_budget: string | null
  enforcement_mode: string
  billing_period_start: string
  billing_period_end: string
  rates: Record<string, { requests_per_minute: number; tokens_per_minute: number | null }>
}

/** A user's terms as the audit keeps them (404 when the user has no subscription). */
export async function readTerms(tx: OperatorTx, userId: string): Promise<UserTerms> {
  const rows = await tx.$queryRaw<UserTerms[]>`
    select s.plan_type, s.status,
           jsonb_build_object('content', s.content_generations_limit, 'image', s.image_generations_limit,
                              'video', s.video_generations_limit, 'chat', s.chat_messages_limit) as limits,
           s.service_limits, trim_scale(s.monthly_cost_budget)::text as monthly_cost_budget, s.enforcement_mode,
           to_char(s.billing_period_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as billing_period_start,
           to_char(s.billing_period_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as billing_period_end,
           coalesce((select jsonb_object_agg(r.service_type, jsonb_build_object('requests_per_minute', r.requests_per_minute, 'tokens_per_minute', r.tokens_per_minute))
                       from public.api_rate_limits r where r.user_id = s.user_id), '{}'::jsonb) as rates
      from public.user_subscriptions s where s.user_id = ${userId}::uuid`
  if (!rows[0]) throw new AppError('not_found', `No user ${userId} (or the user has no subscription).`)
  return rows[0]
}

/** Changes a user's terms in one audited transaction; the result is their terms after. */
function changeTerms(actor: Actor, action: string, userId: string, write: (tx: OperatorTx) => Promise<void>): Promise<UserTerms> {
  return auditedWrite(actor, action, { userId }, async (tx) => {
    const before = await readTerms(tx, userId)
    await write(tx)
    const after = await readTerms(tx, userId)
    return { before, after, result: after }
  })
}

function requireUserId(userId: string): string {
  if (!z.uuid().safeParse(userId).success) throw new AppError('not_found', `No user ${userId}.`)
  return userId
}

function service(value: string): ServiceType {
  if (!isServiceType(value)) throw new AppError('invalid_request', `service must be one of ${SERVICE_TYPE_IDS.join(', ')}`, { param: 'service' })
  return value
}

const Count = (param: string, min: number, max: number) =>
  z.number({ error: `${param} must be a whole number` }).int({ error: `${param} must be a whole number` }).min(min, { error: `${param} must be at least ${min}` }).max(max, { error: `${param} must be at most ${max}` })

function parse<T>(schema: z.ZodType<T>, value: unknown, param: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new AppError('invalid_request', parsed.error.issues[0].message, { param })
  return parsed.data
}

/** A USD amount as a decimal string: up to 12 digits before the point and 12 after. */
export const BudgetSchema = z.string().trim().regex(/^\d{1,12}(\.\d{1,12})?$/, { error: 'budget must be a decimal amount in USD, like 25 or 12.50' })

/** Moves a user to a plan now (its limits, budget, enforcement, rates; a period of its length when the length changes). */
export async function setUserPlan(actor: Actor, userId: string, planId: string): Promise<UserTerms> {
  if (!(await isPlanId(planId))) throw new AppError('invalid_request', `plan must be one of ${(await listPlans()).map((p) => p.id).join(', ')}`, { param: 'plan' })
  // An operator's plan is in force whatever Stripe last said (an unpaid status would hold the user to Free limits).
  return changeTerms(actor, 'user.plan', requireUserId(userId), (tx) => applyPlan(userId, planId, { status: 'active' }, tx))
}

/** One service's quota per period; null removes it (services without quota columns only). */
export async function setUserLimit(actor: Actor, userId: string, serviceType: string, limit: number | null): Promise<UserTerms> {
  const which = service(serviceType)
  if (limit === null && hasQuotaColumns(which)) throw new AppError('invalid_request', `${which} always has a limit: give a number`, { param: 'limit' })
  const value = limit === null ? null : parse(Count('limit', 0, 999_999_999), limit, 'limit')
  return changeTerms(actor, 'user.limit', requireUserId(userId), (tx) => setLimit(userId, which, value, tx))
}

export async function setUserEnforcement(actor: Actor, userId: string, mode: string): Promise<UserTerms> {
  const parsed = parse(z.enum(['off', 'soft', 'hard'], { error: 'enforcement must be off, soft or hard' }), mode, 'enforcement') as EnforcementMode
  return changeTerms(actor, 'user.enforcement', requireUserId(userId), (tx) => setEnforcement(userId, parsed, tx))
}

/** The cost budget per period in USD (a decimal string), or null for none. */
export async function setUserBudget(actor: Actor, userId: string, budget: string | null): Promise<UserTerms> {
  const value = budget === null ? null : parse(BudgetSchema, budget, 'budget')
  return changeTerms(actor, 'user.budget', requireUserId(userId), (tx) => setBudget(userId, value, tx))
}

export async function setUserRequestsPerMinute(actor: Actor, userId: string, serviceType: string, rpm: number): Promise<UserTerms> {
  const which = service(serviceType)
  const value = parse(Count('requests_per_minute', 1, 1_000_000), rpm, 'requests_per_minute')
  return changeTerms(actor, 'user.rpm', requireUserId(userId), (tx) => setRequestsPerMinute(userId, which, value, tx))
}

/** Tokens a minute (input + output) for one service; null for no token limit. */
export async function setUserTokensPerMinute(actor: Actor, userId: string, serviceType: string, tpm: number | null): Promise<UserTerms> {
  const which = service(serviceType)
  const value = tpm === null ? null : parse(Count('tokens_per_minute', 1, 2_147_483_647), tpm, 'tokens_per_minute')
  return changeTerms(actor, 'user.tpm', requireUserId(userId), (tx) => setTokensPerMinute(userId, which, value, tx))
}

/** Releases every hold of the user (calls that will never settle); the number released. */
export async function releaseUserHolds(actor: Actor, userId: string): Promise<number> {
  return auditedWrite(actor, 'user.release_holds', { userId: requireUserId(userId) }, async (tx) => {
    await readTerms(tx, userId)
    const released = await releaseHolds({ userId, expiredOnly: false }, tx)
    return { before: { holds: released }, after: { holds: 0 }, result: released }
  })
}

/** Issues a gateway key for the user (shown once; the audit keeps its prefix, never the key). */
export async function createUserKey(actor: Actor, userId: string, name: string): Promise<ApiKeySummary & { key: string }> {
  const parsed = parse(CreateApiKeySchema.shape.name, name, 'name')
  return auditedWrite(actor, 'user.key_create', { userId: requireUserId(userId) }, async (tx) => {
    await readTerms(tx, userId)
    const created = await createApiKey(userId, parsed, tx)
    return { before: null, after: { id: created.id, name: created.name, prefix: created.prefix }, result: created }
  })
}

/** Revokes one of the user's keys; false when the user has no such active key. */
export async function revokeUserKey(actor: Actor, userId: string, keyId: string): Promise<boolean> {
  if (!z.uuid().safeParse(keyId).success) return false
  return auditedWrite(actor, 'user.key_revoke', { userId: requireUserId(userId), label: keyId }, async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: keyId, userId, revokedAt: null } })
    if (!key) return { unchanged: true, before: null, after: null, result: false }
    await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } })
    return { before: { id: key.id, prefix: key.keyPrefix, revoked: false }, after: { id: key.id, prefix: key.keyPrefix, revoked: true }, result: true }
  })
}

/** Revokes all of the user's keys (a leaked key, an account taken over); the number revoked. */
export async function revokeUserKeys(actor: Actor, userId: string): Promise<number> {
  return auditedWrite(actor, 'user.keys_revoke', { userId: requireUserId(userId) }, async (tx) => {
    const keys = await tx.apiKey.findMany({ where: { userId, revokedAt: null }, select: { id: true, keyPrefix: true } })
    await tx.apiKey.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } })
    return { before: { active: keys.map((k) => k.keyPrefix) }, after: { active: [] }, result: keys.length }
  })
}

/** The user's period counters against their usage rows (read only). */
export async function reconcileUser(userId: string): Promise<ReconcileLine[]> {
  return reconcileUsage(requireUserId(userId))
}

const COUNTER_FIELDS = new Map<string, string>(SERVICES.map((s) => [s.usedColumn, s.usedField]))

/**
 * Sets every drifted counter of the period to what the usage rows say (the ledger is the
 * truth); the lines that differed. Audited with each counter's value before and after.
 */
export async function fixUserCounters(actor: Actor, userId: string): Promise<ReconcileLine[]> {
  return auditedWrite(actor, 'user.reconcile', { userId: requireUserId(userId) }, async (tx) => {
    // Under the subscription's lock a settlement (which books its row and counters together)
    // cannot land between the count and the write.
    await tx.$queryRaw`select 1 from public.user_subscriptions where user_id = ${userId}::uuid for update`
    const drift = (await reconcileUsage(userId, tx)).filter((l) => !l.ok)
    if (drift.length === 0) return { unchanged: true, before: null, after: null, result: [] }
    for (const line of drift) {
      const field = COUNTER_FIELDS.get(line.measure)
      if (field) await tx.userSubscription.update({ where: { userId }, data: { [field]: Number(line.from_rows) } })
      else if (line.measure === 'period_cost') await tx.userSubscription.update({ where: { userId }, data: { periodCost: line.from_rows } })
      else if (line.measure.startsWith('service_used.')) {
        const which = line.measure.slice('service_used.'.length)
        await tx.$executeRaw`update public.user_subscriptions set service_used = service_used || jsonb_build_object(${which}::text, ${Number(line.from_rows)}::int) where user_id = ${userId}::uuid`
      }
    }
    return {
      before: Object.fromEntries(drift.map((l) => [l.measure, l.counter])),
      after: Object.fromEntries(drift.map((l) => [l.measure, l.from_rows])),
      result: drift,
    }
  })
}
