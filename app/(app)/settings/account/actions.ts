'use server'

import { redirect } from 'next/navigation'
import { userFormAction } from '@/lib/actions'
import { deleteAccount, DeleteAccountSchema } from '@/lib/account/delete-account'

export const deleteAccountAction = userFormAction(DeleteAccountSchema, async (user, input) => {
  const result = await deleteAccount(user, input)
  if (!result.ok) return { ok: false, error: result.error, fieldErrors: result.field ? { [result.field]: result.error } : undefined }
  redirect('/')
})
