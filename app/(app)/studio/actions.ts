'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { userFormAction, type ActionResult } from '@/lib/actions'
import { archiveCampaign, CampaignNameSchema, createCampaign, renameCampaign, type CampaignSummary, type CampaignWrite } from '@/lib/campaigns/campaigns'

const IdSchema = z.string({ error: 'Pick a campaign' }).min(1, { error: 'Pick a campaign' })

function settle(result: CampaignWrite): ActionResult<CampaignSummary> {
  if (!result.ok) return { ok: false, error: result.error, fieldErrors: { name: result.error } }
  revalidatePath('/studio')
  return { ok: true, data: result.campaign }
}

export const createCampaignAction = userFormAction(z.object({ name: CampaignNameSchema }), async (user, { name }) =>
  settle(await createCampaign(user.id, name)),
)

export const renameCampaignAction = userFormAction(z.object({ id: IdSchema, name: CampaignNameSchema }), async (user, { id, name }) =>
  settle(await renameCampaign(user.id, id, name)),
)

export const archiveCampaignAction = userFormAction(z.object({ id: IdSchema }), async (user, { id }): Promise<ActionResult<{ id: string }>> => {
  if (!(await archiveCampaign(user.id, id))) return { ok: false, error: 'That campaign no longer exists.' }
  revalidatePath('/studio')
  return { ok: true, data: { id } }
})
