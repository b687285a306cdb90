import 'server-only'
// The one wrapper of the operator API's routes (/api/admin/v1/…). The caller must present an
// admin key (Authorization: Bearer tga_…); anyone else (no key, a wrong or revoked one, a
// service key, a user's key, a session) gets the same JSON 404 as a path that does not exist,
// so the API does not admit it exists. Errors are rendered in the one shape (lib/errors.ts).
import type { Actor } from '@/lib/admin/actor'
import { authenticateOperatorKey } from '@/lib/admin/keys'
import { AppError, errorResponse } from '@/lib/errors'
import { apiRoute } from '@/lib/http/route'

export type AdminKeyActor = Extract<Actor, { kind: 'admin_key' }>
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
export type AdminContext<P> = { request: Request; params: P; actor: AdminKeyActor }

/** What a non-operator is told about any /api/admin/v1 path: the same as for a path that is not there. */
export function noSuchEndpoint(request: Request): AppError {
  const path = new URL(request.url).pathname.slice(0, 200)
  return new AppError('not_found', `Invalid URL (${request.method} ${path}): no such endpoint.`)
}

/** The admin key's actor, or the 404 of a path that is not there. */
export async function requireAdminKey(request: Request): Promise<AdminKeyActor> {
  const header = request.headers.get('authorization') ?? ''
  const match = /^Bearer ([A-Za-z0-9_-]{1,100})$/i.exec(header.trim())
  const actor = match ? await authenticateOperatorKey(match[1], 'admin') : null
  if (!actor || actor.kind !== 'admin_key') throw noSuchEndpoint(request)
  return actor
}

/** A handler that runs only for an admin key. */
export function adminRoute<P = unknown>(handle: (context: AdminContext<P>) => Promise<Response>) {
  return apiRoute<'none', P>({ auth: 'none' }, async ({ request, params }) => handle({ request, params, actor: await requireAdminKey(request) }))
}

/**
 * The handler of every method a route does not serve (HEAD and OPTIONS too, which Next would
 * otherwise answer itself and so show the route exists): 404 without an admin key, a JSON 405
 * naming the allowed methods with one.
 */
export function adminNotAllowed(allowed: readonly Method[]) {
  return apiRoute<'none', unknown>({ auth: 'none' }, async ({ request }) => {
    await requireAdminKey(request)
    const path = new URL(request.url).pathname.slice(0, 200)
    const error = new AppError('method_not_allowed', `Invalid method for URL (${request.method} ${path}): this endpoint serves ${allowed.join(' and ')}.`)
    return errorResponse(error, { allow: allowed.join(', ') })
  })
}

/** A JSON answer with no caching: operator data must never sit in a shared cache. */
export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } })
}
