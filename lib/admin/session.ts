import 'server-only'
import { notFound } from 'next/navigation'
import { cache } from 'react'
import { getUser } from '@/lib/auth'
import type { Actor } from '@/lib/admin/actor'
import { isOperator } from '@/lib/admin/operators'

// The operator of a browser request (pages, server actions). Apart from lib/admin/operators.ts
// because it needs Next's request scope, which the command line does not have.

export type OperatorActor = Extract<Actor, { kind: 'operator' }>

/** The signed-in operator of this request, or null (signed out, or not an operator). Cached per request. */
export const getOperator = cache(async (): Promise<OperatorActor | null> => {
  const user = await getUser()
  if (!user || !(await isOperator(user))) return null
  return { kind: 'operator', userId: user.id, email: user.email }
})

/**
 * The signed-in operator; anyone else gets Next's 404, as for any page that is not theirs: the
 * console does not admit it exists. Every /admin page, action and route calls this first
 * (a layout is not re-run on every navigation, so it cannot be the only guard).
 */
export async function requireOperator(): Promise<OperatorActor> {
  const operator = await getOperator()
  if (!operator) notFound()
  return operator
}
