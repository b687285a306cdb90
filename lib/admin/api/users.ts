import 'server-only'
import { z } from 'zod'
import type { Actor } from '@/lib/admin/actor'
import { withOperatorRead } from '@/lib/admin/db'
import { readTerms, setUserBudget, setUserEnforcement, setUserLimit, setUserPlan, setUserRequestsPerMinute, setUserTokensPerMinute, type UserTerms } from '@/lib/admin/manage'
import type { UserRef } from '@/lib/admin/users'
import { findOrCreateUser } from '@/lib/admin/users'
import type { CreateUserInput, UpdateUserInput } from '@/lib/admin/api/schemas'
import { AppError } from '@/lib/errors'
import { getUserUsage } from '@/lib/usage/summary'

// The operator API's users. A user is named in a path by one unambiguous reference:
//   <uuid>            the Tollgate user id
//   <email>           anything with an @ (case-insensitive)
//   ext:<id>          the product's own external id (percent-encoded in the URL)
// One scheme per form, so an external id that looks like an email can never select someone else.

export type ParsedRef = { by: 'id' | 'email' | 'external_id'; value: string }

/** How a path's `{ref}` names a user; null when it names no one in any of the three forms. */
export function parseUserRef(ref: string): ParsedRef | null {
  if (ref.startsWith('ext:')) {
    const value = ref.slice(4)
    return value.length >= 1 && value.length <= 255 && !/[\u0000-\u001f\u007f]/.test(value) ? { by: 'external_id', value } : null
  }
  if (z.uuid().safeParse(ref).success) return { by: 'id', value: ref.toLowerCase() }
  if (ref.includes('@') && ref.length <= 254 && !/[\u0000-\u001f\u007f]/.test(ref)) return { by: 'email', value: ref.trim().toLowerCase() }
  return null
}

const SELECT_USER = `
  select u.id::text, u.email, x.external_id, to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
    from auth.users u left join public.user_external_ids x on x.user_id = u.id`

/** The user a `{ref}` names; 404 naming the reference when there is none. */
export async function requireUserByRef(ref: string): Promise<UserRef> {
  const parsed = parseUserRef(ref)
  if (!parsed) throw new AppError('not_found', 'No such user: name one by id, by email, or as ext:<external id>.', { param: 'ref' })
  const where = { id: 'u.id = $1::uuid', email: 'lower(u.email) = $1', external_id: 'x.external_id = $1' }[parsed.by]
  const rows = await withOperatorRead((tx) => tx.$queryRawUnsafe<UserRef[]>(`${SELECT_USER} where ${where} limit 1`, parsed.value))
  if (!rows[0]) throw new AppError('not_found', `No user with the ${parsed.by.replace('_', ' ')} ${parsed.value.slice(0, 255)}.`, { param: 'ref' })
  return rows[0]
}

/** A user's reference, terms and use in the current period. */
export async function getUserDetail(user: UserRef) {
  // Usage first: it rolls a period that has ended (as the user's next call would), so the terms read after are current.
  const usage = await getUserUsage(user.id)
  const terms = await withOperatorRead((tx) => readTerms(tx, user.id))
  const { period, services, other_services, cost } = usage
  return { object: 'user' as const, user, terms, usage: { plan: usage.plan, period, services, other_services, cost } }
}

/** Find or create (the same function as the gateway's service keys and the CLI); `created` says which. */
export async function createOrFindUser(actor: Actor, input: CreateUserInput) {
  const { user, created } = await findOrCreateUser(actor, { email: input.email, externalId: input.external_id })
  return { ...(await getUserDetail(user)), created }
}

/**
 * Applies each given change through the operator library, each in its own audited
 * transaction, in a fixed order: the plan first, because moving to a plan resets the limits,
 * budget, enforcement and rates that the other fields then adjust. The body was validated as a
 * whole before anything is written, so a bad field changes nothing; the plan id, checked against
 * the plans table, comes first for the same reason.
 */
export async function updateUser(actor: Actor, user: UserRef, input: UpdateUserInput): Promise<UserTerms> {
  let terms: UserTerms | undefined
  if (input.plan !== undefined) terms = await setUserPlan(actor, user.id, input.plan)
  for (const [service, limit] of Object.entries(input.limits ?? {})) terms = await setUserLimit(actor, user.id, service, limit ?? null)
  if (input.budget !== undefined) terms = await setUserBudget(actor, user.id, input.budget)
  if (input.enforcement !== undefined) terms = await setUserEnforcement(actor, user.id, input.enforcement)
  for (const [service, rate] of Object.entries(input.rates ?? {})) {
    if (rate?.requests_per_minute !== undefined) terms = await setUserRequestsPerMinute(actor, user.id, service, rate.requests_per_minute)
    if (rate?.tokens_per_minute !== undefined) terms = await setUserTokensPerMinute(actor, user.id, service, rate.tokens_per_minute)
  }
  return terms ?? withOperatorRead((tx) => readTerms(tx, user.id))
}

/**
 * The user named by the `{ref}` segment of an /api/admin/v1/users/{ref}/… URL, read from the
 * raw path and decoded once here: an external id may hold `/` or `%` (sent as %2F, %25), which
 * Next's own param decoding would not give back exactly.
 */
export async function requireUserOfPath(request: Request): Promise<UserRef> {
  const segment = new URL(request.url).pathname.split('/')[5] ?? ''
  let ref: string
  try {
    ref = decodeURIComponent(segment)
  } catch {
    throw new AppError('not_found', 'No such user: the reference is not valid percent-encoding.', { param: 'ref' })
  }
  return requireUserByRef(ref)
}
