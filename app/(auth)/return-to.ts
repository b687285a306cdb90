import 'server-only'
import { redirect } from 'next/navigation'
import { getUser } from '@/lib/auth'
import { safeReturnPath } from '@/lib/http/return-path'

/**
 * For the sign-in and sign-up pages: where to go afterwards (?next=, made safe), and straight
 * there when the visitor is already signed in.
 */
export async function returnToUnlessSignedIn(next: string | string[] | undefined): Promise<string | undefined> {
  const returnTo = typeof next === 'string' ? safeReturnPath(next) : undefined
  if (await getUser()) redirect(returnTo ?? '/studio')
  return returnTo
}
