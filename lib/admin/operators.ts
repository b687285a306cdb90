import 'server-only'
import type { AuthUser } from '@/lib/auth/types'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { actorLabel, type Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'

/** Listed in TOLLGATE_OPERATORS (a first deploy's operators), or granted the role in the database. */
export async function isOperator(user: Pick<AuthUser, 'id' | 'email'>): Promise<boolean> {
  if (env.TOLLGATE_OPERATORS.includes(user.email.toLowerCase())) return true
  const rows = await db().$queryRaw<{ one: number }[]>`select 1 as one from public.operators where user_id = ${user.id}::uuid`
  return rows.length > 0
}

export type OperatorSummary = { user_id: string; email: string | null; granted_by: string; granted_at: string }

export async function listOperators(): Promise<OperatorSummary[]> {
  return db().$queryRaw<OperatorSummary[]>`
    select o.user_id::text, u.email, o.granted_by, to_char(o.granted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as granted_at
      from public.operators o left join auth.users u on u.id = o.user_id
     order by o.granted_at`
}

async function userIdByEmail(email: string): Promise<string> {
  const rows = await db().$queryRaw<{ id: string }[]>`select id::text from auth.users where lower(email) = lower(${email.trim()})`
  if (!rows[0]) throw new AppError('not_found', `No user with the email ${email.trim()}: they sign up first, then get the role.`)
  return rows[0].id
}

/** Gives a user the operator role (idempotent; audited). */
export async function grantOperator(actor: Actor, email: string): Promise<void> {
  const userId = await userIdByEmail(email)
  await auditedWrite(actor, 'operator.grant', { userId, label: email.trim().toLowerCase() }, async (tx) => {
    const added = await tx.$executeRaw`
      insert into public.operators (user_id, granted_by) values (${userId}::uuid, ${actorLabel(actor)}) on conflict (user_id) do nothing`
    return { before: { operator: added === 0 }, after: { operator: true }, result: undefined }
  })
}

/** Takes the role away (a TOLLGATE_OPERATORS listing stays in force until the variable changes). */
export async function revokeOperator(actor: Actor, email: string): Promise<void> {
  const userId = await userIdByEmail(email)
  await auditedWrite(actor, 'operator.revoke', { userId, label: email.trim().toLowerCase() }, async (tx) => {
    const removed = await tx.$executeRaw`delete from public.operators where user_id = ${userId}::uuid`
    return { before: { operator: removed > 0 }, after: { operator: false }, result: undefined }
  })
}
