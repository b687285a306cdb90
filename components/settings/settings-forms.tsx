'use client'

import { useActionState } from 'react'
import { Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

type Result = { ok: true; data: unknown } | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }
// Generic in the result, so any server action built with userFormAction fits.
type Action<R extends Result> = (previous: R | null, form: FormData) => Promise<R>

function Status({ state, success }: { state: Result | null; success: string }) {
  if (!state) return null
  return state.ok ? (
    <p role="status" className="text-sm text-success">{success}</p>
  ) : (
    <p role="alert" className="text-sm text-destructive">{state.error}</p>
  )
}

export function ProfileForm<R extends Result>({ action, displayName }: { action: Action<R>; displayName: string | null }) {
  const [state, formAction, pending] = useActionState(action, null)
  return (
    <form action={formAction} className="grid max-w-md gap-3">
      <div className="grid gap-1.5">
        <Label htmlFor="displayName">Display name</Label>
        <Input id="displayName" name="displayName" defaultValue={state && !state.ok ? state.values?.displayName : (displayName ?? '')} maxLength={80} autoComplete="name" />
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
          Save
        </Button>
        <Status state={state} success="Saved." />
      </div>
    </form>
  )
}

export function PasswordForm<R extends Result>({ action }: { action: Action<R> }) {
  const [state, formAction, pending] = useActionState(action, null)
  const field = (name: string) => (state && !state.ok ? state.fieldErrors?.[name] : undefined)
  return (
    <form action={formAction} className="grid max-w-md gap-3">
      {(
        [
          ['current', 'Current password', 'current-password'],
          ['next', 'New password', 'new-password'],
          ['confirm', 'Repeat new password', 'new-password'],
        ] as const
      ).map(([name, label, autoComplete]) => (
        <div key={name} className="grid gap-1.5">
          <Label htmlFor={`pw-${name}`}>{label}</Label>
          <Input id={`pw-${name}`} name={name} type="password" autoComplete={autoComplete} aria-invalid={Boolean(field(name))} required />
          {field(name) ? <p className="text-xs text-destructive">{field(name)}</p> : null}
        </div>
      ))}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
          Change password
        </Button>
        <Status state={state} success="Password changed. Other sessions were signed out." />
      </div>
    </form>
  )
}
