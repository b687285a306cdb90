// Tollgate's errors in Anthropic's shape, for the /api/v1/messages edge: the Anthropic SDK reads
// `{type: 'error', error: {type, message}}` and picks its error class by HTTP status, so the
// status stays Tollgate's and the type is Anthropic's name for it. Tollgate's own code (and the
// limit that was hit, the field at fault) ride in `error.details`, where Anthropic puts its own.
import { ERROR_CODES, type AppError } from '@/lib/errors'

/** Anthropic's error type for an HTTP status (docs.claude.com/en/api/errors). */
export function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 413) return 'request_too_large'
  if (status === 429) return 'rate_limit_error'
  if (status === 503 || status === 529) return 'overloaded_error'
  if (status === 504) return 'timeout_error'
  if (status >= 500) return 'api_error'
  return 'invalid_request_error'
}

/** The status a Tollgate error code answers with (an unknown code is a server fault). */
export function statusOfCode(code: unknown): number {
  return typeof code === 'string' && code in ERROR_CODES ? ERROR_CODES[code as keyof typeof ERROR_CODES].status : 500
}

export function anthropicErrorBody(error: { status: number; message: string; code: string; param?: string | null; extra?: Record<string, unknown> }, requestId?: string) {
  const details = { error_code: error.code, ...(error.param ? { param: error.param } : {}), ...error.extra }
  return { type: 'error' as const, error: { type: anthropicErrorType(error.status), message: error.message, details }, ...(requestId ? { request_id: requestId } : {}) }
}

/** The HTTP answer for `error` on an Anthropic-protocol route; its own headers win. */
export function anthropicErrorResponse(error: AppError, headers: Record<string, string> = {}): Response {
  return Response.json(anthropicErrorBody(error, headers['x-request-id']), { status: error.status, headers: { ...headers, ...error.headers } })
}
