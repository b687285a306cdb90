import { z } from 'zod'

export type AuthUser = {
  id: string
  email: string
  displayName: string | null
}

export type AuthFailure =
  | { ok: false; code: 'invalid_input'; message: string }
  | { ok: false; code: 'email_taken'; message: string }
  | { ok: false; code: 'invalid_credentials'; message: string }
  | { ok: false; code: 'too_many_attempts'; message: string; retryAfterSeconds: number }
  | { ok: false; code: 'confirmation_required'; message: string }
  | { ok: false; code: 'unavailable'; message: string }

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

/** HTTP status of each auth failure, for the JSON auth endpoints. */
export const AUTH_FAILURE_STATUS: Record<AuthFailure['code'], number> = {
  invalid_input: 400,
  email_taken: 409,
  invalid_credentials: 401,
  too_many_attempts: 429,
  confirmation_required: 202,
  unavailable: 503,
}
