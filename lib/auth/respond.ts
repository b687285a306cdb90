import { jsonError } from '@/lib/http/json'
import { AUTH_FAILURE_STATUS, type AuthResult } from '@/lib/auth/types'

/** The JSON answer of the auth endpoints for a sign-up or sign-in result. */
export function authResponse(result: AuthResult, successStatus = 200): Response {
  if (result.ok) return Response.json({ user: result.user }, { status: successStatus })
  const headers = result.code === 'too_many_attempts' ? { 'Retry-After': String(result.retryAfterSeconds) } : undefined
  return jsonError(AUTH_FAILURE_STATUS[result.code], result.code, result.message, headers)
}
