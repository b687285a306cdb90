// Fallback: an ordered list of models tried when one's provider is limiting, failing or silent
// before it has answered anything. The list is the request's (`models`, OpenRouter's
// convention) or the operator's (providers file `fallbacks`). One call, one row: the attempts
// go in its metadata, and it is priced as what was actually served.
import 'server-only'
import { AppError } from '@/lib/errors'
import { textRouteTo, type TextRoute } from '@/lib/gateway/routing'
import { resolveTextTarget } from '@/lib/gateway/text-route'
import type { PriceOverride } from '@/lib/pricing/types'
import { configuredFallbacks } from '@/lib/providers/text-providers'
import { UpstreamError } from '@/lib/providers/transport'

/** Most models one call may try: each is one more upstream request on the caller's behalf. */
export const MAX_CANDIDATES = 5

/** One failed try, for the row's metadata (no vendor message: it may quote the operator's account). */
export type Attempt = { provider: string; model: string; error: string; status?: number }

/**
 * The routes a call may be served by, in order: the one routing chose, then the request's
 * `models` (which may repeat the first) or else the operator's list for the model. Every
 * candidate is resolved now, so an unknown one is refused before anything is held or sent.
 */
export function candidateRoutes(primary: TextRoute, requested: readonly string[] | undefined, overrides: readonly PriceOverride[]): TextRoute[] {
  const names = requested?.length ? requested : (configuredFallbacks[primary.upstreamModel.toLowerCase()] ?? configuredFallbacks[`${primary.provider.id}/${primary.upstreamModel}`.toLowerCase()] ?? [])
  const routes = [primary]
  names.forEach((name, index) => {
    let route: TextRoute
    try {
      route = textRouteTo(resolveTextTarget(name, overrides))
    } catch (error) {
      if (error instanceof AppError && requested?.length) throw new AppError(error.code, `models[${index}]: ${error.message}`, { param: `models[${index}]` })
      throw error
    }
    if (!routes.some((r) => r.provider.id === route.provider.id && r.upstreamModel === route.upstreamModel)) routes.push(route)
  })
  if (routes.length > MAX_CANDIDATES) throw new AppError('invalid_request', `models: at most ${MAX_CANDIDATES} models may be tried for one call`, { param: 'models' })
  return routes
}

/**
 * Whether the next candidate may be tried after `error`: the provider limited or failed us, or
 * never answered. Not when the caller's request was judged wrong (the next vendor would judge it
 * alike), the answer was malformed (it may have been generated, and billed), or the caller left.
 */
export function worthAnotherTry(error: unknown): boolean {
  return error instanceof UpstreamError && ['rate_limited', 'server_error', 'unreachable', 'timeout'].includes(error.failure)
}

export function attemptOf(route: TextRoute, error: unknown): Attempt {
  const failure = error instanceof UpstreamError ? error.failure : 'error'
  return { provider: route.servedBy, model: route.upstreamModel, error: failure, ...(error instanceof UpstreamError && error.upstreamStatus ? { status: error.upstreamStatus } : {}) }
}
