'use server'

import { revalidatePath } from 'next/cache'
import { redirect } from 'next/navigation'
import { z } from 'zod'
import { userFormAction, type ActionResult } from '@/lib/actions'
import { changePassword, requireUser, signOutEverywhere, updateDisplayName } from '@/lib/auth'
import { PLAN_ID_PATTERN } from '@/lib/billing/plans'
import { createCheckoutSession, createPortalSession } from '@/lib/billing/checkout'
import { CreateApiKeySchema, createApiKey, revokeApiKey } from '@/lib/keys/api-keys'

export const updateProfileAction = userFormAction(
  z.object({ displayName: z.string().trim().max(80, { error: 'Name must be at most 80 characters' }).optional() }),
  async (user, { displayName }) => {
    await updateDisplayName(user, displayName || null)
    revalidatePath('/', 'layout')
    return { ok: true, data: undefined }
  },
)

export const changePasswordAction = userFormAction(
  z
    .object({
      current: z.string({ error: 'Enter your current password' }).min(1, { error: 'Enter your current password' }),
      next: z.string({ error: 'Choose a new password' }).min(8, { error: 'The new password must be at least 8 characters' }).max(128),
      confirm: z.string({ error: 'Repeat the new password' }),
    })
    .refine((v) => v.next === v.confirm, { error: 'The two new passwords differ', path: ['confirm'] }),
  async (user, { current, next }) => {
    const result = await changePassword(user, current, next)
    return result.ok ? { ok: true, data: undefined } : { ok: false, error: result.error, fieldErrors: { current: result.error } }
  },
)

export async function signOutEverywhereAction(): Promise<void> {
  await signOutEverywhere(await requireUser())
  redirect('/login')
}

export const createApiKeyAction = userFormAction(CreateApiKeySchema, async (user, { name }): Promise<ActionResult<{ key: string; prefix: string }>> => {
  const created = await createApiKey(user.id, name)
  revalidatePath('/settings/security')
  return { ok: true, data: { key: created.key, prefix: created.prefix } }
})

export async function revokeApiKeyAction(keyId: string): Promise<ActionResult> {
  const user = await requireUser()
  if (!(await revokeApiKey(user.id, keyId))) return { ok: false, error: 'That key does not exist or is already revoked' }
  revalidatePath('/settings/security')
  return { ok: true, data: undefined }
}

export const upgradeAction = userFormAction(z.object({ plan: z.string().regex(PLAN_ID_PATTERN, { error: 'Choose a paid plan' }) }), async (user, { plan }) => {
  const result = await createCheckoutSession(user, plan)
  if (!result.ok) return { ok: false, error: result.error }
  redirect(result.url)
})

export async function manageBillingAction(): Promise<ActionResult> {
  const result = await createPortalSession(await requireUser())
  if (!result.ok) return { ok: false, error: result.error }
  redirect(result.url)
}
