'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { operatorFormAction, type ActionResult } from '@/lib/actions'
import { createOverride, endOverride, PRICE_UNITS } from '@/lib/admin/price-overrides'
import { AppError } from '@/lib/errors'

// Shapes only: the library validates the values again (the operator API and the CLI call it too)
// and words the database's refusals (an overlapping override) as 409s naming the field.
const Text = z.string().trim()
// A datetime-local field has no zone; the form labels it UTC, so it is read as UTC whatever the server's zone.
const Utc = Text.transform((v) => (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v))

/** A refusal with a field (an overlap, a bad end) shown beside that field, not only above the form. */
async function asFieldError(run: () => Promise<ActionResult>): Promise<ActionResult> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, error: error.message, fieldErrors: error.param ? { [error.param]: error.message } : undefined }
    throw error
  }
}

export const createOverrideAction = operatorFormAction(
  z.object({ provider: Text, model: Text, unit: z.enum(PRICE_UNITS, { error: 'Choose a unit' }), variant: Text.optional(), price: Text, effectiveFrom: Utc, effectiveTo: Utc.optional(), source: Text, note: Text.optional() }),
  async (operator, input) =>
    asFieldError(async () => {
      await createOverride(operator, input)
      revalidatePath('/admin/models')
      return { ok: true, data: undefined }
    }),
)

export const endOverrideAction = operatorFormAction(z.object({ id: z.uuid({ error: 'Unknown override' }), at: Utc.optional() }), async (operator, input) =>
  asFieldError(async () => {
    await endOverride(operator, input)
    revalidatePath('/admin/models')
    return { ok: true, data: undefined }
  }),
)
