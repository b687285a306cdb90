// Every failure on the request path becomes one of these codes, each with its HTTP status and
// OpenAI error type, answered in OpenAI's shape: { error: { message, type, code, param } }.
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable } from '@/lib/db/errors'
import { UpstreamError } from '@/lib/providers/transport'

const CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unknown_model: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  usage_limit_exceeded: { status: 429, type: 'usage_limit_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  client_closed_request: { status: 499, type: 'client_error' },
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  // The provider limiting the gateway's shared key: 503 with its Retry-After, so that neither
  // the status nor the code reads as the caller's own plan limit (429 above).
  upstream_rate_limited: { status: 503, type: 'upstream_error' },
  upstream_timeout: { status: 504, type: 'upstream_error' },
  database_unavailable: { status: 503, type: 'server_error' },
  internal_error: { status: 500, type: 'server_error' },
} as const

export type GatewayErrorCode = keyof typeof CODES

export class GatewayError extends Error {
  readonly status: number
  readonly type: string
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: { param?: string; status?: number; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.status = options.status ?? CODES[code].status
    this.type = CODES[code].type
    this.param = options.param
    this.extra = options.extra
    this.headers = options.headers
  }
  readonly param?: string
  readonly extra?: Record<string, unknown>
  readonly headers?: Record<string, string>
}

/** Any thrown value as a GatewayError; unexpected ones become internal_error (and are logged by the caller). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  if (error instanceof UpstreamError) {
    switch (error.failure) {
      case 'client_error':
        // 401/403 concern the gateway's own vendor credentials, not the caller's request: the
        // vendor's message may quote the key, so it is neither shown nor passed through.
        if (error.upstreamStatus === 401 || error.upstreamStatus === 403)
          return new GatewayError('upstream_error', 'The provider refused the gateway\'s credentials; the operator has to fix its configuration')
        // Otherwise the upstream judged the request wrong: the caller's fault, passed through with its status.
        return new GatewayError('upstream_rejected', `Upstream rejected the request: ${error.message}`, { status: error.upstreamStatus })
      case 'rate_limited': {
        const wait = error.retryAfterSeconds
        return new GatewayError(
          'upstream_rate_limited',
          `The provider is rate-limiting this gateway; this is not one of your Tollgate limits. ${wait === undefined ? 'Retry shortly.' : `Retry in ${wait} s.`}`,
          // The OpenAI SDK sleeps for whatever Retry-After says before it retries: past a minute
          // (a daily quota), the caller is better served by this answer now than by a hung call.
          wait === undefined ? {} : { headers: { 'retry-after': String(wait), ...(wait > 60 ? { 'x-should-retry': 'false' } : {}) } },
        )
      }
      case 'timeout':
        return new GatewayError('upstream_timeout', `Upstream timed out: ${error.message}`)
      case 'aborted':
        return new GatewayError('client_closed_request', 'The client closed the connection')
      default:
        return new GatewayError('upstream_error', `Upstream failed: ${error.message}`)
    }
  }
  // Fail closed: without the database a call can be neither admitted nor metered, so nothing
  // is forwarded; the caller is told it is temporary.
  const unavailable = databaseUnavailable(error)
  if (unavailable)
    return new GatewayError(
      'database_unavailable',
      unavailable === 'busy'
        ? 'Tollgate\'s database is overloaded and did not answer in time; nothing was forwarded or charged. Retry shortly.'
        : 'Tollgate cannot reach its database, so no call can be admitted or metered; nothing was forwarded or charged. Retry shortly.',
      { headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) } },
    )
  return new GatewayError('internal_error', 'The gateway failed to handle this request; it has been logged')
}

export function errorBody(error: GatewayError) {
  return { error: { message: error.message, type: error.type, code: error.code, param: error.param ?? null, ...error.extra } }
}
