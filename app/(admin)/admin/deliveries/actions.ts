'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { operatorFormAction, type ActionResult } from '@/lib/actions'
import { retryAlertDelivery } from '@/lib/admin/deliveries'

export const retryDeliveryAction = operatorFormAction(z.object({ id: z.uuid({ error: 'Unknown delivery' }) }), async (operator, { id }): Promise<ActionResult> => {
  await retryAlertDelivery(operator, id)
  revalidatePath('/admin/deliveries')
  return { ok: true, data: undefined }
})
