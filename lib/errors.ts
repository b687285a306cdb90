// The one application error. Everything thrown on a request path (gateway, JSON API, server
// action) is an AppError or becomes one through toAppError; each edge then renders it:
// API routes (gateway or not) in OpenAI's shape { error: { message, type, code, param } }
// with the code's HTTP status, server actions as their form state (lib/actions.ts).
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable } from '@/lib/db/errors'
import { UpstreamError } from '@/lib/providers/transport'
import { UntranslatableError } from '@/lib/providers/types'

/** Every code an answer can carry, with its HTTP status and OpenAI error type. */
export const ERROR_CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  /** A model this endpoint does not serve (OpenAI's code and status: SDKs catch it to fall back). */
  model_not_found: { status: 404, type: 'invalid_request_error' },
  invalid_signature: { status: 400, type: 'invalid_request_error' },
  webhooks_not_configured: { status: 400, type: 'invalid_request_error' },
  /** No session on a route that needs one. */
  unauthorized: { status: 401, type: 'authentication_error' },
  /** A missing, malformed, unknown or revoked API key (or no session either). */
  invalid_api_key: { status: 401, type: 'authentication_error' },
  invalid_credentials: { status: 401, type: 'authentication_error' },
  cross_site_request: { status: 403, type: 'permission_error' },
  /** Authenticated, but this credential may not do that (act for another user, say). */
  permission_denied: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  /** A path under /api/v1 that no route serves (OpenAI answers the same code). */
  unknown_url: { status: 404, type: 'invalid_request_error' },
  /** A route that exists, asked with a method it does not serve (OpenAI answers 405 too). */
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  email_taken: { status: 409, type: 'invalid_request_error' },
  price_overlap: { status: 409, type: 'invalid_request_error' },
  /** The write contradicts what is stored (an external id already naming another user). */
  conflict: { status: 409, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  usage_limit_exceeded: { status: 429, type: 'usage_limit_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  /** Sign-in throttled (lib/auth/throttle.ts). */
  too_many_attempts: { status: 429, type: 'rate_limit_error' },
  client_closed_request: { status: 499, type: 'client_error' },
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  // The provider limiting the gateway's shared key: 503 with its Retry-After, so that neither
  // the status nor the code reads as the caller's own plan limit (429 above).
  upstream_rate_limited: { status: 503, type: 'upstream_error' },
  upstream_timeout: { status: 504, type: 'upstream_error' },
  /** Supabase Auth did not answer. */
  unavailable: { status: 503, type: 'server_error' },
  database_unavailable: { status: 503, type: 'server_error' },
  /** A Stripe event that could not be applied (Stripe delivers it again). */
  processing_failed: { status: 500, type: 'server_error' },
  internal_error: { status: 500, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export type AppErrorOptions = {
  /** The request field at fault (OpenAI's `param`), e.g. "messages.0.content". */
  param?: string
  /** Only where the status is not the code's own: an upstream's 4xx passed through. */
  status?: number
  /** More fields of the error object (the limit that was hit, an upgrade URL). */
  extra?: Record<string, unknown>
  headers?: Record<string, string>
}

export class AppError extends Error {
  readonly status: number
  readonly type: string
  readonly param?: string
  readonly extra?: Record<string, unknown>
  readonly headers?: Record<string, string>
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message)
    this.status = options.status ?? ERROR_CODES[code].status
    this.type = ERROR_CODES[code].type
    this.param = options.param
    this.extra = options.extra
    this.headers = options.headers
  }
}

/** What an unexpected failure says: nothing about its cause, which may name internals. */
export const INTERNAL_MESSAGE = 'The request failed on the server; it has been logged'

function fromUpstream(error: UpstreamError): AppError {
  switch (error.failure) {
    case 'client_error':
      // 401/403 concern the gateway's own vendor credentials, not the caller's request: the
      // vendor's message may quote the key, so it is neither shown nor passed through.
      if (error.upstreamStatus === 401 || error.upstreamStatus === 403)
        return new AppError('upstream_error', 'The provider refused the gateway\'s credentials; the operator has to fix its configuration')
      // Otherwise the upstream judged the request wrong: the caller's fault, passed through with its status.
      return new AppError('upstream_rejected', `Upstream rejected the request: ${error.message}`, { status: error.upstreamStatus })
    case 'rate_limited': {
      const wait = error.retryAfterSeconds
      return new AppError(
        'upstream_rate_limited',
        `The provider is rate-limiting this gateway; this is not one of your Tollgate limits. ${wait === undefined ? 'Retry shortly.' : `Retry in ${wait} s.`}`,
        // The OpenAI SDK sleeps for whatever Retry-After says before it retries: past a minute
        // (a daily quota), the caller is better served by this answer now than by a hung call.
        wait === undefined ? {} : { headers: { 'retry-after': String(wait), ...(wait > 60 ? { 'x-should-retry': 'false' } : {}) } },
      )
    }
    case 'timeout':
      return new AppError('upstream_timeout', `Upstream timed out: ${error.message}`)
    case 'aborted':
      return new AppError('client_closed_request', 'The client closed the connection')
    default:
      return new AppError('upstream_error', `Upstream failed: ${error.message}`)
  }
}

/** Any thrown value as an AppError; unexpected ones become internal_error (logged by the edge, see logFailure). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof UpstreamError) return fromUpstream(error)
  // A field the provider's protocol cannot carry: the caller's request, refused by name.
  if (error instanceof UntranslatableError) return new AppError('invalid_request', error.message, { param: error.param })
  // Fail closed: without the database a call can be neither admitted nor metered, so nothing
  // is forwarded; the caller is told it is temporary.
  const unavailable = databaseUnavailable(error)
  if (unavailable)
    return new AppError(
      'database_unavailable',
      unavailable === 'busy'
        ? 'Tollgate\'s database is overloaded and did not answer in time; nothing was forwarded or charged. Retry shortly.'
        : 'Tollgate cannot reach its database right now; nothing was forwarded or charged. Retry shortly.',
      { headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) } },
    )
  return new AppError('internal_error', INTERNAL_MESSAGE)
}

/** OpenAI's error object. */
export function errorBody(error: AppError) {
  return { error: { message: error.message, type: error.type, code: error.code, param: error.param ?? null, ...error.extra } }
}

/** The HTTP answer of an API route (gateway or not) for `error`; its own headers win. */
export function errorResponse(error: AppError, headers: Record<string, string> = {}): Response {
  return Response.json(errorBody(error), { status: error.status, headers: { ...headers, ...error.headers } })
}

let lastOutageLog = 0
/**
 * Logs what an operator must see: an unexpected failure whole (with its stack); an
 * unavailable database once per 5 s, not once per request. Expected refusals are not logged.
 */
export function logFailure(scope: 'gateway' | 'api' | 'action', error: AppError, thrown: unknown, what: string): void {
  if (error.code === 'internal_error') console.error(`[${scope}] ${what} failed:`, thrown)
  else if (error.code === 'database_unavailable' && Date.now() - lastOutageLog > 5_000) {
    lastOutageLog = Date.now()
    console.error(`[${scope}] database unavailable, answering 503 (${what}): ${String((thrown as Error)?.message ?? thrown).split('\n').filter(Boolean).pop()}`)
  }
}
