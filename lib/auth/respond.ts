import { AppError } from '@/lib/errors'
import type { AuthResult } from '@/lib/auth/types'

/**
 * The JSON answer of the auth endpoints for a sign-up or sign-in result. A failure is thrown
 * as its AppError, for the route wrapper to answer in the one error shape.
 */
export function authResponse(result: AuthResult, successStatus = 200): Response {
  if (result.ok) return Response.json({ user: result.user }, { status: successStatus })
  // Supabase with email confirmation on: the account exists, but no session starts yet.
  if (result.code === 'confirmation_required') return Response.json({ user: null, confirmation_required: true, message: result.message }, { status: 202 })
  throw new AppError(result.code, result.message, result.code === 'too_many_attempts' ? { headers: { 'retry-after': String(result.retryAfterSeconds) } } : {})
}
