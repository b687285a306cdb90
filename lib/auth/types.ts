import { z } from 'zod'
import type { ErrorCode } from '@/lib/errors'

export type AuthUser = {
  id: string
  email: string
  displayName: string | null
}

/**
 * Why a sign-up or sign-in did not start a session: a result, not a throw, because forms show
 * it in place. Its codes are the application's error codes (lib/errors.ts), so the JSON edge
 * answers them with their status (lib/auth/respond.ts); `confirmation_required` is not an
 * error at all: the account exists, and waits for its email to be confirmed.
 */
export type AuthFailure =
  | { ok: false; code: Extract<ErrorCode, 'invalid_request' | 'email_taken' | 'invalid_credentials' | 'unavailable'>; message: string }
  | { ok: false; code: 'too_many_attempts'; message: string; retryAfterSeconds: number }
  | { ok: false; code: 'confirmation_required'; message: string }

export type AuthResult = { ok: true; user: AuthUser } | AuthFailure

const email = z
  .email({ error: 'Enter a valid email address' })
  .max(254, { error: 'Email is too long' })
  .transform((v) => v.trim().toLowerCase())

export const SignUpSchema = z.object({
  email: z.string({ error: 'Email is required' }).trim().pipe(email),
  password: z
    .string({ error: 'Password is required' })
    .min(8, { error: 'Password must be at least 8 characters' })
    .max(128, { error: 'Password must be at most 128 characters' }),
  displayName: z
    .string()
    .trim()
    .max(80, { error: 'Name must be at most 80 characters' })
    .optional()
    .transform((v) => v || undefined),
})
export type SignUpInput = z.infer<typeof SignUpSchema>

export const SignInSchema = z.object({
  email: z.string({ error: 'Email is required' }).trim().pipe(email),
  password: z.string({ error: 'Password is required' }).min(1, { error: 'Password is required' }).max(128, {
    error: 'Password must be at most 128 characters',
  }),
})
export type SignInInput = z.infer<typeof SignInSchema>
