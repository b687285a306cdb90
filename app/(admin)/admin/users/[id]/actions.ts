'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { operatorFormAction, type ActionResult } from '@/lib/actions'
import {
  createUserKey,
  fixUserCounters,
  reconcileUser,
  releaseUserHolds,
  revokeUserKey,
  revokeUserKeys,
  setUserBudget,
  setUserEnforcement,
  setUserLimit,
  setUserPlan,
  setUserRequestsPerMinute,
  setUserTokensPerMinute,
} from '@/lib/admin/manage'
import { AppError } from '@/lib/errors'

// The user page's forms: each goes through lib/admin/manage.ts (the CLI's and the API's rules
// and audit). The library's own refusals name their field, shown under that field.

const UserId = z.uuid({ error: 'Unknown user' })
const Whole = (field: string) => z.coerce.number({ error: `${field} must be a whole number` }).int({ error: `${field} must be a whole number` })
const Service = z.string({ error: 'Choose a service' })

async function change<T>(userId: string, run: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    const data = await run()
    revalidatePath(`/admin/users/${userId}`)
    return { ok: true, data }
  } catch (thrown) {
    if (thrown instanceof AppError && thrown.code === 'invalid_request' && thrown.param) return { ok: false, error: thrown.message, fieldErrors: { [thrown.param]: thrown.message } }
    throw thrown
  }
}

export const changePlanAction = operatorFormAction(z.object({ userId: UserId, plan: z.string({ error: 'Choose a plan' }) }), (operator, { userId, plan }) =>
  change(userId, async () => (await setUserPlan(operator, userId, plan)).plan_type),
)

// An empty limit removes it (services without quota columns; the library refuses it for the others).
export const setLimitAction = operatorFormAction(z.object({ userId: UserId, service: Service, limit: Whole('limit').optional() }), (operator, { userId, service, limit }) =>
  change(userId, async () => (await setUserLimit(operator, userId, service, limit ?? null)).plan_type),
)

export const setEnforcementAction = operatorFormAction(z.object({ userId: UserId, enforcement: z.string({ error: 'Choose off, soft or hard' }) }), (operator, { userId, enforcement }) =>
  change(userId, async () => (await setUserEnforcement(operator, userId, enforcement)).enforcement_mode),
)

// An empty budget means none.
export const setBudgetAction = operatorFormAction(z.object({ userId: UserId, budget: z.string().optional() }), (operator, { userId, budget }) =>
  change(userId, async () => (await setUserBudget(operator, userId, budget ?? null)).monthly_cost_budget),
)

export const setRequestsPerMinuteAction = operatorFormAction(
  z.object({ userId: UserId, service: Service, requests_per_minute: Whole('requests_per_minute') }),
  (operator, { userId, service, requests_per_minute }) => change(userId, async () => (await setUserRequestsPerMinute(operator, userId, service, requests_per_minute)).plan_type),
)

// An empty field means no token limit.
export const setTokensPerMinuteAction = operatorFormAction(
  z.object({ userId: UserId, service: Service, tokens_per_minute: Whole('tokens_per_minute').optional() }),
  (operator, { userId, service, tokens_per_minute }) => change(userId, async () => (await setUserTokensPerMinute(operator, userId, service, tokens_per_minute ?? null)).plan_type),
)

export const releaseHoldsAction = operatorFormAction(z.object({ userId: UserId }), (operator, { userId }) => change(userId, () => releaseUserHolds(operator, userId)))

export const createKeyAction = operatorFormAction(z.object({ userId: UserId, name: z.string({ error: 'Name the key' }) }), (operator, { userId, name }) =>
  change(userId, async () => {
    const created = await createUserKey(operator, userId, name)
    return { key: created.key, prefix: created.prefix }
  }),
)

export const revokeKeyAction = operatorFormAction(z.object({ userId: UserId, keyId: z.uuid({ error: 'Unknown key' }) }), async (operator, { userId, keyId }): Promise<ActionResult<boolean>> => {
  if (!(await revokeUserKey(operator, userId, keyId))) return { ok: false, error: 'That key is already revoked or does not exist.' }
  revalidatePath(`/admin/users/${userId}`)
  return { ok: true, data: true }
})

export const revokeAllKeysAction = operatorFormAction(z.object({ userId: UserId }), (operator, { userId }) => change(userId, () => revokeUserKeys(operator, userId)))

/** Compares the counters with the usage rows (a read); `fix` sets drifted counters to the rows (audited). */
export const reconcileAction = operatorFormAction(z.object({ userId: UserId, fix: z.enum(['yes']).optional() }), (operator, { userId, fix }) =>
  change(userId, async () => {
    const lines = fix ? await fixUserCounters(operator, userId) : (await reconcileUser(userId)).filter((l) => !l.ok)
    return { fixed: Boolean(fix), lines: lines.map((l) => ({ measure: l.measure, counter: l.counter, from_rows: l.from_rows })) }
  }),
)
