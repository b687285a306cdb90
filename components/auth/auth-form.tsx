'use client'

import Link from 'next/link'
import { useActionState } from 'react'
import { Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

type Result =
  | { ok: true; data: unknown }
  | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }
type Action = (previous: Result | null, formData: FormData) => Promise<Result>

/** The sign-in and sign-up form: one component, two modes, errors next to their fields. */
export function AuthForm({ mode, action, next }: { mode: 'login' | 'signup'; action: Action; next?: string }) {
  const [state, formAction, pending] = useActionState(action, null)
  const fieldErrors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  const formError = state && !state.ok && !Object.keys(fieldErrors).length ? state.error : null
  const values = state && !state.ok ? (state.values ?? {}) : {}

  return (
    <form action={formAction} className="grid gap-4" noValidate>
      {next ? <input type="hidden" name="next" value={next} /> : null}
      {mode === 'signup' ? (
        <Field id="displayName" label="Name" error={fieldErrors.displayName}>
          <Input id="displayName" name="displayName" defaultValue={values.displayName} autoComplete="name" placeholder="Ada Lovelace" maxLength={80} />
        </Field>
      ) : null}
      <Field id="email" label="Email" error={fieldErrors.email}>
        <Input id="email" name="email" type="email" defaultValue={values.email} autoComplete="email" placeholder="you@company.com" required aria-invalid={Boolean(fieldErrors.email)} />
      </Field>
      <Field id="password" label="Password" error={fieldErrors.password} hint={mode === 'signup' ? 'At least 8 characters.' : undefined}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          required
          minLength={mode === 'signup' ? 8 : undefined}
          aria-invalid={Boolean(fieldErrors.password)}
        />
      </Field>
      {formError ? (
        <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive">
          {formError}
        </p>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
        {mode === 'signup' ? 'Create account' : 'Sign in'}
      </Button>
      <p className="text-center text-sm text-muted-foreground">
        {mode === 'signup' ? 'Already have an account? ' : 'New to Tollgate? '}
        <Link
          className="font-medium text-foreground underline-offset-4 hover:underline"
          href={`${mode === 'signup' ? '/login' : '/signup'}${next ? `?next=${encodeURIComponent(next)}` : ''}`}
        >
          {mode === 'signup' ? 'Sign in' : 'Create an account'}
        </Link>
      </p>
    </form>
  )
}

function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-destructive">
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-muted-foreground">{hint}</p>
      ) : null}
    </div>
  )
}
