import 'server-only'
// Responses stored at OpenAI (store: true, its default) live under the gateway's one key, shared
// by every caller. public.stored_responses says whose each is: a caller reaches (GET, DELETE,
// previous_response_id) only the ids the gateway saw created for them; any other id is answered
// as OpenAI answers an unknown one, 404, so nobody learns that another caller's id exists.
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { AppError, logFailure, toAppError } from '@/lib/errors'
import type { Identity } from '@/lib/gateway/identity'
import type { TextRoute } from '@/lib/gateway/routing'
import { getAdapter } from '@/lib/providers/registry'
import { providerNamed } from '@/lib/providers/text-providers'
import { deadline, send } from '@/lib/providers/transport'
import type { HttpCall } from '@/lib/providers/types'

/** OpenAI's response ids: resp_ and a token. Anything else is nobody's (and never reaches a query). */
const RESPONSE_ID = /^resp_[A-Za-z0-9_-]{1,190}$/

/** OpenAI's own answer for an id it does not know (and ours for one that is not the caller's). */
export const responseNotFound = (id: string, param: string | undefined = undefined) =>
  new AppError('not_found', `Response with id '${id.slice(0, 200)}' not found.`, param ? { param } : {})

export async function ownsResponse(userId: string, id: string): Promise<boolean> {
  return (await ownedResponse(userId, id)) !== null
}

/** The caller's stored response `id` (its context size for the next turn's hold), or null for anyone else's. */
export async function ownedResponse(userId: string, id: string): Promise<{ contextTokens: number } | null> {
  if (!RESPONSE_ID.test(id)) return null
  return db().storedResponse.findFirst({ where: { id, userId }, select: { contextTokens: true } })
}

/**
 * Remembers that `userId` created response `id`. A failure is logged, not thrown: the answer
 * was generated and billed, and the caller still gets it (only its later retrieval is lost).
 */
export async function rememberResponse(userId: string, id: unknown, requestId: string, model: string, contextTokens = 0): Promise<void> {
  if (typeof id !== 'string' || !RESPONSE_ID.test(id)) return
  try {
    // Only the creator's row is ever updated (a stream remembers at response.created, sizes at its end).
    const size = Math.min(Math.max(0, Math.round(contextTokens)), 2_147_483_647)
    await db().storedResponse.upsert({ where: { id }, create: { id, userId, requestId, model: model.slice(0, 200), contextTokens: size }, update: {} })
    if (size) await db().storedResponse.updateMany({ where: { id, userId }, data: { contextTokens: size } })
  } catch (thrown) {
    logFailure('gateway', toAppError(thrown), thrown, `${requestId} remembering response ${id}`)
  }
}

/** A request to OpenAI's Responses API with the gateway's key. */
export function openaiCall(config: TextRoute['config'], method: HttpCall['method'], path: string, body?: unknown): HttpCall {
  return {
    method,
    url: `${config.baseUrl}${path}`,
    headers: { authorization: `Bearer ${config.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }
}

/** GET or DELETE /api/v1/responses/{id}: passed to OpenAI for the caller's own responses only. Not metered. */
export async function handleStoredResponse(request: Request, identity: Identity, id: string, method: 'GET' | 'DELETE'): Promise<Response> {
  const openai = providerNamed('openai')
  if (!openai?.enabled || !openai.apiKey || !(await ownsResponse(identity.userId, id))) throw responseNotFound(id)
  // The caller's query (include[], stream, starting_after) goes along; the id is ours, checked above.
  const query = method === 'GET' ? new URL(request.url).search : ''
  const adapter = getAdapter('openai')!
  const clock = deadline({ timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: request.signal })
  let upstream: Response
  try {
    upstream = await send(adapter, openaiCall({ apiKey: openai.apiKey, baseUrl: openai.baseUrl }, method, `/responses/${id}${query}`), clock.signal, clock)
  } catch (error) {
    clock.clear()
    throw error
  }
  // Forgotten only once OpenAI deleted it: after a 5xx or a 429 the response is still there, and still the caller's.
  if (method === 'DELETE' && upstream.ok) await db().storedResponse.deleteMany({ where: { id, userId: identity.userId } })
  // A streamed replay (GET ?stream=true) is relayed as it comes; the timer then only guards its start.
  clock.clear()
  return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' } })
}
