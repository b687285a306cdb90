'use server'

import { revalidatePath } from 'next/cache'
import { redirect } from 'next/navigation'
import { operatorFormAction, type ActionResult } from '@/lib/actions'
import { ApplyWhenSchema, createPlan, NewPlanSchema, PlanFieldsSchema, PlanIdSchema, updatePlan } from '@/lib/admin/plans'
import { AppError } from '@/lib/errors'

// The plan forms of the console. The library (lib/admin/plans.ts) validates again, audits and
// applies; here a refusal that names a field (a taken id or Stripe price: 409) is shown beside
// that field, not only at the top of the form.

function refusal(thrown: unknown): ActionResult<never> {
  if (thrown instanceof AppError && thrown.param && thrown.status < 500) {
    return { ok: false, error: thrown.message, fieldErrors: { [thrown.param]: thrown.message } }
  }
  throw thrown
}

/** What a saved edit did: the forms of both actions share one result type. */
export type PlanSaved = { applied: 'next_period' | 'now'; subscribersUpdated: number }

// A refused form comes back with what was typed, except fields whose names look secret
// (lib/actions.ts): tokens_per_minute is not, so it is handed back too.
type PlanAction = (previous: ActionResult<PlanSaved | undefined> | null, formData: FormData) => Promise<ActionResult<PlanSaved | undefined>>
async function echoTokens(action: PlanAction, previous: Parameters<PlanAction>[0], formData: FormData) {
  const result = await action(previous, formData)
  const typed = formData.get('tokens_per_minute')
  return result.ok || typeof typed !== 'string' ? result : { ...result, values: { ...result.values, tokens_per_minute: typed } }
}

const createPlanForm = operatorFormAction(NewPlanSchema, async (operator, input): Promise<ActionResult<PlanSaved | undefined>> => {
  let id: string
  try {
    id = (await createPlan(operator, input)).id
  } catch (thrown) {
    return refusal(thrown)
  }
  revalidatePath('/admin/plans')
  redirect(`/admin/plans/${id}`)
})

const updatePlanForm = operatorFormAction(
  PlanFieldsSchema.extend({ id: PlanIdSchema, apply: ApplyWhenSchema.default('next_period') }),
  async (operator, { id, apply, ...fields }): Promise<ActionResult<PlanSaved | undefined>> => {
    try {
      const saved = await updatePlan(operator, id, fields, apply)
      revalidatePath('/admin/plans')
      revalidatePath(`/admin/plans/${id}`)
      return { ok: true, data: { applied: saved.applied, subscribersUpdated: saved.subscribersUpdated } }
    } catch (thrown) {
      return refusal(thrown)
    }
  },
)

export async function createPlanAction(previous: Parameters<PlanAction>[0], formData: FormData) {
  return echoTokens(createPlanForm, previous, formData)
}

export async function updatePlanAction(previous: Parameters<PlanAction>[0], formData: FormData) {
  return echoTokens(updatePlanForm, previous, formData)
}
