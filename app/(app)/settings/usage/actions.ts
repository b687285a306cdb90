'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { userFormAction, type ActionResult } from '@/lib/actions'
import { requireUser } from '@/lib/auth'
import { UnsafeUrlError } from '@/lib/net/public-https'
import { setAlertWebhook } from '@/lib/usage/alert-webhooks'
import { acknowledgeAlert } from '@/lib/usage/alerts'

const AlertIdSchema = z.uuid({ error: 'That alert does not exist' })

export async function acknowledgeAlertAction(alertId: string): Promise<ActionResult> {
  const user = await requireUser()
  const id = AlertIdSchema.safeParse(alertId)
  if (!id.success || (await acknowledgeAlert(user.id, id.data)) === 'not_found') return { ok: false, error: 'That alert does not exist' }
  revalidatePath('/settings/usage')
  return { ok: true, data: undefined }
}

export const saveAlertWebhookAction = userFormAction(
  z.object({ url: z.string({ error: 'Enter the https:// URL that should receive your alerts' }).trim().max(2048, { error: 'The URL is longer than 2048 characters' }) }),
  async (user, { url }): Promise<ActionResult<{ url: string }>> => {
    try {
      const saved = await setAlertWebhook(user.id, url)
      revalidatePath('/settings/usage')
      return { ok: true, data: { url: saved.url! } }
    } catch (error) {
      if (error instanceof UnsafeUrlError) return { ok: false, error: error.message, fieldErrors: { url: error.message } }
      throw error
    }
  },
)

export async function removeAlertWebhookAction(): Promise<ActionResult> {
  const user = await requireUser()
  await setAlertWebhook(user.id, null)
  revalidatePath('/settings/usage')
  return { ok: true, data: undefined }
}
