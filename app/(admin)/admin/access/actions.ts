'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { operatorFormAction, type ActionResult } from '@/lib/actions'
import { createOperatorKey, OperatorKeyNameSchema, revokeOperatorKey } from '@/lib/admin/keys'
import { grantOperator, revokeOperator } from '@/lib/admin/operators'

const Email = z.string({ error: 'Enter an email address' }).trim().pipe(z.email({ error: 'Enter a valid email address' }))

export const grantOperatorAction = operatorFormAction(z.object({ email: Email }), async (operator, { email }) => {
  await grantOperator(operator, email)
  revalidatePath('/admin/access')
  return { ok: true, data: undefined }
})

export const revokeOperatorAction = operatorFormAction(z.object({ email: Email }), async (operator, { email }): Promise<ActionResult> => {
  // Taking one's own role away from the console would lock the last operator out by one click.
  if (email.toLowerCase() === operator.email.toLowerCase()) return { ok: false, error: 'You cannot revoke your own role here; ask another operator or use the command line.' }
  await revokeOperator(operator, email)
  revalidatePath('/admin/access')
  return { ok: true, data: undefined }
})

export const createOperatorKeyAction = operatorFormAction(
  z.object({ kind: z.enum(['admin', 'service'], { error: 'Choose admin or service' }), name: OperatorKeyNameSchema }),
  async (operator, { kind, name }): Promise<ActionResult<{ key: string; prefix: string }>> => {
    const created = await createOperatorKey(operator, kind, name)
    revalidatePath('/admin/access')
    return { ok: true, data: { key: created.key, prefix: created.prefix } }
  },
)

export const revokeOperatorKeyAction = operatorFormAction(z.object({ id: z.uuid({ error: 'Unknown key' }) }), async (operator, { id }): Promise<ActionResult> => {
  if (!(await revokeOperatorKey(operator, id))) return { ok: false, error: 'That key is already revoked or does not exist.' }
  revalidatePath('/admin/access')
  return { ok: true, data: undefined }
})
