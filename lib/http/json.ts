import type { z } from 'zod'
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable } from '@/lib/db/errors'
import { BODY_LIMITS, BodyReadError, isJsonContentType, readTextCapped } from '@/lib/http/body'

export type JsonBody<T> = { ok: true; data: T } | { ok: false; status: 400 | 413 | 415; message: string }

/**
 * Reads and validates a JSON request body. Every failure is a 4xx with a sentence a developer
 * can act on; nothing here throws.
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S, maxBytes: number = BODY_LIMITS.form): Promise<JsonBody<z.infer<S>>> {
  if (!isJsonContentType(request.headers.get('content-type')))
    return { ok: false, status: 415, message: 'Content-Type must be application/json' }
  let text: string
  try {
    text = await readTextCapped(request, maxBytes)
  } catch (error) {
    if (error instanceof BodyReadError && error.reason === 'too_large') return { ok: false, status: 413, message: error.message }
    return { ok: false, status: 400, message: 'Could not read the request body' }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, status: 400, message: 'Request body is not valid JSON' }
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    return { ok: false, status: 400, message: `${where}${issue?.message ?? 'Invalid request body'}` }
  }
  return { ok: true, data: parsed.data }
}

export function jsonError(status: number, code: string, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers })
}

/**
 * Wraps a JSON route handler so a thrown error still answers in the route's shape: 503 with
 * Retry-After when the database is unavailable (it is temporary; the client may retry), else
 * a logged 500 that names no internals.
 */
export function jsonRoute<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args)
    } catch (error) {
      if (databaseUnavailable(error)) return jsonError(503, 'database_unavailable', 'The database is unavailable right now; retry shortly.', { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) })
      console.error('[api] request failed:', error)
      return jsonError(500, 'internal_error', 'The request failed on the server; it has been logged')
    }
  }
}
