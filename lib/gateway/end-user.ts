import 'server-only'
import { pool } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import type { Actor } from '@/lib/admin/actor'
import { ExternalIdSchema, userForExternalId } from '@/lib/admin/users'

// A product's own users behind one service key (tgs_…): the key names the end user, Tollgate
// maps the name (the product's external id) to its own user, made on first sight, and that user
// is admitted, capped and metered. Ordinary keys and sessions may name only themselves.

export const END_USER_HEADER = 'x-tollgate-user'

// External id → user id, per process (on globalThis so dev reloads share it). An external id
// never moves to another user (user_external_ids is keyed by it and only deleted with the
// user), so the only stale entry is a deleted user's: admission refuses it (no subscription)
// and the entry ages out.
const CACHE_MS = 5 * 60_000
const CACHE_MAX = 50_000
const store = globalThis as typeof globalThis & { __tollgateEndUsers?: Map<string, { userId: string; at: number }> }
const cache = () => (store.__tollgateEndUsers ??= new Map())

/**
 * The end user a service key's request names: `x-tollgate-user`, else the JSON body's OpenAI
 * `safety_identifier` or `user`, or Anthropic Messages' `metadata.user_id`. 400 when none is
 * named or the name is not a valid external id.
 */
export async function endUserName(request: Request): Promise<string> {
  const header = request.headers.get(END_USER_HEADER)
  if (header !== null) return validName(header, `the ${END_USER_HEADER} header`)
  const named = await nameInBody(request)
  if (named) return validName(named.value, named.where)
  throw new AppError(
    'invalid_request',
    `A service key acts for one of your users: name them in the ${END_USER_HEADER} header (your own user id), or in the body's safety_identifier or user field (OpenAI) or metadata.user_id (Anthropic Messages).`,
    { param: END_USER_HEADER },
  )
}

async function nameInBody(request: Request): Promise<{ value: unknown; where: string } | null> {
  if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) return null
  let body: unknown
  try {
    // A clone: the route reads the original. Malformed JSON is the route's to refuse; here it names nobody.
    body = await request.clone().json()
  } catch {
    return null
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null
  const fields = body as Record<string, unknown>
  if (fields.safety_identifier !== undefined && fields.safety_identifier !== null) return { value: fields.safety_identifier, where: 'safety_identifier' }
  if (fields.user !== undefined && fields.user !== null) return { value: fields.user, where: 'user' }
  const metadata = fields.metadata
  if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
    const userId = (metadata as Record<string, unknown>).user_id
    if (userId !== undefined && userId !== null) return { value: userId, where: 'metadata.user_id' }
  }
  return null
}

function validName(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new AppError('invalid_request', `${where} must be a string: the id of your user.`, { param: where })
  const parsed = ExternalIdSchema.safeParse(value)
  if (!parsed.success) throw new AppError('invalid_request', `${where}: ${parsed.error.issues[0].message}.`, { param: where })
  return parsed.data
}

/** The Tollgate user of the product's user `externalId`: from memory, else one round trip (plus the creation on first sight). */
export async function endUserId(actor: Extract<Actor, { kind: 'service_key' }>, externalId: string): Promise<string> {
  const entries = cache()
  const hit = entries.get(externalId)
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.userId
  const userId = await userForExternalId(actor, externalId)
  entries.delete(externalId)
  if (entries.size >= CACHE_MAX) entries.delete(entries.keys().next().value!)
  entries.set(externalId, { userId, at: Date.now() })
  return userId
}

/**
 * An ordinary key or session that names a user in `x-tollgate-user` must name itself (its id
 * or its external id): acting for another user takes a service key. 403 otherwise. The body's
 * `user` / `safety_identifier` are not a claim here: they go upstream as sent.
 */
export async function checkNamesSelf(request: Request, userId: string): Promise<void> {
  const named = request.headers.get(END_USER_HEADER)
  if (named === null || named === userId) return
  const { rows } = await pool().query('select 1 from public.user_external_ids where user_id = $1::uuid and external_id = $2', [userId, named])
  if (rows.length === 0) throw new AppError('permission_denied', `Only a service key may act for another user: this credential cannot send ${END_USER_HEADER} naming anyone but its own user.`)
}
