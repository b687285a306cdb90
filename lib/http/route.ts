import 'server-only'
// The one wrapper of the API routes that are not metered gateway calls (those use
// gatewayRoute, which also writes their usage row): keys, usage export and reads, auth, Stripe.
// Like dub's withWorkspace: check the origin and identity the route asks for, run the handler
// with them, and turn whatever it throws into the one error shape (lib/errors.ts): an
// unavailable database is a 503 with Retry-After, anything unexpected a logged 500 that names
// no internals.
import { getUser } from '@/lib/auth'
import { AppError, errorResponse, logFailure, toAppError } from '@/lib/errors'
import { authenticate, type Identity } from '@/lib/gateway/identity'
import { isSameOriginRequest } from '@/lib/http/same-origin'

/**
 * Who may call: `none` (sign-in, sign-up, webhooks: the handler checks what it needs),
 * `session` (a signed-in browser only: an API key cannot manage API keys, so a leaked key
 * cannot mint itself successors), `session-or-key` (an API key in Authorization, else the
 * session: what the gateway accepts).
 */
export type RouteAuth = 'none' | 'session' | 'session-or-key'

export type RouteOptions<A extends RouteAuth> = {
  auth: A
  /** What a signed-out caller of a `session` route is told. */
  signedOut?: string
  /** Refuse cross-site requests (403): for state changes a page's cookies could be ridden into. */
  sameOrigin?: { message: string }
  /** How errors are said: OpenAI's shape unless the route speaks another protocol (Anthropic's count_tokens). */
  renderError?: (error: AppError) => Response
}

export type RouteContext<A extends RouteAuth, P> = { request: Request; params: P } & (A extends 'none' ? object : { identity: Identity })

async function identify(request: Request, options: RouteOptions<RouteAuth>): Promise<Identity | null> {
  if (options.auth === 'none') return null
  if (options.auth === 'session-or-key') return authenticate(request)
  const user = await getUser()
  if (!user) throw new AppError('unauthorized', options.signedOut ?? 'Sign in first')
  return { userId: user.id, apiKeyId: null, via: 'session' }
}

/** An API route handler: `handle` gets the request, the route's params and (unless auth is `none`) the caller. */
export function apiRoute<A extends RouteAuth, P = Record<string, never>>(options: RouteOptions<A>, handle: (context: RouteContext<A, P>) => Promise<Response>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    try {
      if (options.sameOrigin && !isSameOriginRequest(request.headers)) throw new AppError('cross_site_request', options.sameOrigin.message)
      const identity = await identify(request, options)
      const params = await context.params
      return await handle({ request, params, ...(identity ? { identity } : {}) } as RouteContext<A, P>)
    } catch (thrown) {
      const error = toAppError(thrown)
      logFailure('api', error, thrown, `${request.method} ${new URL(request.url).pathname}`)
      return (options.renderError ?? errorResponse)(error)
    }
  }
}
