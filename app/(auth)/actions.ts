'use server'

import { redirect } from 'next/navigation'
import { z } from 'zod'
import { formAction, type ActionResult } from '@/lib/actions'
import { safeReturnPath } from '@/lib/http/return-path'
import { signIn, signOut, signUp } from '@/lib/auth'
import { SignInSchema, SignUpSchema } from '@/lib/auth/types'

const withReturn = { next: z.string().optional() }

export const signInAction = formAction(SignInSchema.extend(withReturn), async ({ next, ...credentials }) => {
  const result = await signIn(credentials)
  if (!result.ok) return { ok: false, error: result.message } satisfies ActionResult
  redirect(safeReturnPath(next))
})

export const signUpAction = formAction(SignUpSchema.extend(withReturn), async ({ next, ...input }) => {
  const result = await signUp(input)
  if (!result.ok)
    return {
      ok: false,
      error: result.message,
      fieldErrors: result.code === 'email_taken' ? { email: result.message } : undefined,
    } satisfies ActionResult
  redirect(safeReturnPath(next))
})

export async function signOutAction(): Promise<void> {
  await signOut()
  redirect('/')
}
