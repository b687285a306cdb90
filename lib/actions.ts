import 'server-only'
import { unstable_rethrow } from 'next/navigation'
import type { z } from 'zod'
import { requireOperator, type OperatorActor } from '@/lib/admin/session'
import { requireUser } from '@/lib/auth'
import type { AuthUser } from '@/lib/auth/types'
import { logFailure, toAppError } from '@/lib/errors'

/** What every server action returns: data, or one sentence to show plus per-field messages. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }

type FormHandler<S extends z.ZodType, T> = (input: z.infer<S>) => Promise<ActionResult<T>>

function parseForm<S extends z.ZodType>(schema: S, formData: FormData) {
  // FormData is all strings: schemas coerce. Empty fields count as missing.
  const raw = Object.fromEntries([...formData.entries()].filter(([k, v]) => !k.startsWith('$') && v !== ''))
  const parsed = schema.safeParse(raw)
  if (parsed.success) return { ok: true as const, data: parsed.data as z.infer<S> }
  const fieldErrors: Record<string, string> = {}
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? 'form')] ??= issue.message
  return { ok: false as const, error: parsed.error.issues[0]?.message ?? 'Invalid input', fieldErrors }
}

// React resets a form after its action runs; a failed submission hands back what was typed
// (never secrets) so the fields can be refilled through defaultValue.
const SECRET_FIELD = /password|secret|token|key/i

function echoValues(formData: FormData): Record<string, string> {
  return Object.fromEntries(
    [...formData.entries()].filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[0].startsWith('$') && !SECRET_FIELD.test(entry[0]),
    ),
  )
}

function withValues<T>(result: ActionResult<T>, formData: FormData): ActionResult<T> {
  return result.ok ? result : { ...result, values: echoValues(formData) }
}

/**
 * The action edge of the error model (lib/errors.ts): whatever the handler throws becomes the
 * form's error sentence (an unavailable database says so and to retry; anything unexpected is
 * logged and named to nobody), so a form never falls through to the error page. Next's own
 * control flow (redirect, notFound) passes through.
 */
async function failureAsState<T>(run: () => Promise<ActionResult<T>>): Promise<ActionResult<T>> {
  try {
    return await run()
  } catch (thrown) {
    unstable_rethrow(thrown)
    const error = toAppError(thrown)
    logFailure('action', error, thrown, 'server action')
    return { ok: false, error: error.message }
  }
}

/** A server action for a form (useActionState signature), validated with `schema`. */
export function formAction<S extends z.ZodType, T>(schema: S, handler: FormHandler<S, T>) {
  return async (_previous: ActionResult<T> | null, formData: FormData): Promise<ActionResult<T>> => {
    const parsed = parseForm(schema, formData)
    return withValues(parsed.ok ? await failureAsState(() => handler(parsed.data)) : parsed, formData)
  }
}

/** Like formAction, for signed-in users only: the handler gets the current user. */
export function userFormAction<S extends z.ZodType, T>(
  schema: S,
  handler: (user: AuthUser, input: z.infer<S>) => Promise<ActionResult<T>>,
) {
  return async (_previous: ActionResult<T> | null, formData: FormData): Promise<ActionResult<T>> => {
    const result = await failureAsState(async () => {
      const user = await requireUser()
      const parsed = parseForm(schema, formData)
      return parsed.ok ? await handler(user, parsed.data) : parsed
    })
    return withValues(result, formData)
  }
}

/**
 * Like userFormAction, for operators only (lib/admin/operators.ts): anyone else gets the 404
 * the console answers everywhere, before the form is even read.
 */
export function operatorFormAction<S extends z.ZodType, T>(
  schema: S,
  handler: (operator: OperatorActor, input: z.infer<S>) => Promise<ActionResult<T>>,
) {
  return async (_previous: ActionResult<T> | null, formData: FormData): Promise<ActionResult<T>> => {
    const operator = await requireOperator()
    const result = await failureAsState(async () => {
      const parsed = parseForm(schema, formData)
      return parsed.ok ? await handler(operator, parsed.data) : parsed
    })
    return withValues(result, formData)
  }
}
