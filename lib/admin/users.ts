import 'server-only'
import { z } from 'zod'
import { db } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'

// Finding users the way an operator names them (id, email, or the product's own id), and
// making them: a product with its own sign-in has users Tollgate has never seen.

export type UserRef = { id: string; email: string | null; external_id: string | null; created_at: string }

/** The product's own id of a user: 1..255 printable characters, no control characters. */
export const ExternalIdSchema = z
  .string()
  .min(1, { error: 'an external id is 1 to 255 characters' })
  .max(255, { error: 'an external id is 1 to 255 characters' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'an external id may not contain control characters' })

export const EmailSchema = z.email({ error: 'not a valid email address' }).max(254).transform((v) => v.trim().toLowerCase())

const SELECT_USER = `
  select u.id::text, u.email, x.external_id, to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
    from auth.users u left join public.user_external_ids x on x.user_id = u.id`

/** A user by id, email (any case) or external id; null when none matches. */
export async function findUserByRef(ref: string): Promise<UserRef | null> {
  const trimmed = ref.trim()
  if (!trimmed || trimmed.length > 255) return null
  const isId = z.uuid().safeParse(trimmed).success
  const rows = await db().$queryRawUnsafe<UserRef[]>(
    `${SELECT_USER}
      where ($1::uuid is not null and u.id = $1::uuid) or lower(u.email) = lower($2) or x.external_id = $3
      order by (u.id = $1::uuid) desc nulls last, (x.external_id = $3) desc nulls last
      limit 1`,
    isId ? trimmed : null,
    trimmed,
    ref,
  )
  return rows[0] ?? null
}

export type FindOrCreateInput = { email?: string; externalId?: string }

/**
 * The user with this external id (or email); made when there is none, on the sign-up plan (the
 * signup trigger gives it). With both: the external id's user, or the email's user, who then
 * gets the external id; an external id naming one user and an email another is a 409.
 * Serialised per name with an advisory lock, so two first sights make one user. Audited when it creates or links.
 */
export async function findOrCreateUser(actor: Actor, input: FindOrCreateInput): Promise<{ user: UserRef; created: boolean }> {
  const email = input.email === undefined ? undefined : parseOr(EmailSchema, input.email, 'email')
  const externalId = input.externalId === undefined ? undefined : parseOr(ExternalIdSchema, input.externalId, 'external_id')
  if (!email && !externalId) throw new AppError('invalid_request', 'Give an email or an external_id.')
  const existing = await lookUp(email, externalId)
  if (existing) return { user: existing, created: false }
  return auditedWrite(actor, 'user.create', { label: externalId ?? email }, async (tx) => {
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`user:${externalId ?? ''}:${email ?? ''}`}, 17))`
    const again = await lookUp(email, externalId, tx)
    if (again) return { unchanged: true, before: null, after: null, result: { user: again, created: false } }
    let userId = email ? (await tx.$queryRaw<{ id: string }[]>`select id::text from auth.users where lower(email) = ${email}`)[0]?.id : undefined
    const created = !userId
    if (!userId) {
      const inserted = await tx.$queryRaw<{ id: string }[]>`
        insert into auth.users (email, raw_app_meta_data, raw_user_meta_data)
        values (${email ?? null}, ${JSON.stringify({ provider: 'tollgate', providers: ['tollgate'] })}::jsonb, '{}'::jsonb)
        returning id::text`
      userId = inserted[0].id
    }
    if (externalId) {
      const linked = await tx.$executeRaw`insert into public.user_external_ids (external_id, user_id) values (${externalId}, ${userId}::uuid) on conflict do nothing`
      if (linked === 0) throw new AppError('conflict', `The user with the email ${email} already has another external id.`)
    }
    const user = (await lookUp(undefined, undefined, tx, userId))!
    return { before: null, after: user, result: { user, created }, targetUserId: user.id }
  })
}

/** The Tollgate user id for the product's user `externalId`, made on first sight (the gateway's path). */
export async function userForExternalId(actor: Actor, externalId: string): Promise<string> {
  const rows = await db().$queryRaw<{ user_id: string }[]>`select user_id::text from public.user_external_ids where external_id = ${externalId}`
  if (rows[0]) return rows[0].user_id
  return (await findOrCreateUser(actor, { externalId })).user.id
}

type Queryable = Pick<ReturnType<typeof db>, '$queryRawUnsafe'>

async function lookUp(email: string | undefined, externalId: string | undefined, client: Queryable = db(), id?: string): Promise<UserRef | null> {
  const rows = await client.$queryRawUnsafe<UserRef[]>(
    `${SELECT_USER} where u.id = $1::uuid or x.external_id = $2 or lower(u.email) = $3 order by (x.external_id = $2) desc nulls last limit 2`,
    id ?? null,
    externalId ?? null,
    email ?? null,
  )
  if (!rows[0]) return null
  const byExternal = externalId ? rows.find((r) => r.external_id === externalId) : undefined
  if (externalId && email) {
    const byEmail = rows.find((r) => r.email?.toLowerCase() === email)
    if (byExternal && byEmail && byExternal.id !== byEmail.id) throw new AppError('conflict', `The external id ${externalId} names another user than ${email}.`)
    // The email's user without this external id: linked by the caller (created: false, audited there).
    if (!byExternal) return null
    return byExternal
  }
  return byExternal ?? rows[0]
}

function parseOr<T>(schema: z.ZodType<T>, value: unknown, param: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new AppError('invalid_request', `${param}: ${parsed.error.issues[0].message}`, { param })
  return parsed.data
}
