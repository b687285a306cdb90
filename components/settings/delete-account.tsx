'use client'

import { useActionState, useState } from 'react'
import { Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

type Result = { ok: true; data: unknown } | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }
type Action<R extends Result> = (previous: R | null, form: FormData) => Promise<R>

/** "Delete account…" and its confirmation: the user types their email and password. On success the action redirects home. */
export function DeleteAccount<R extends Result>({ action, email }: { action: Action<R>; email: string }) {
  const [state, formAction, pending] = useActionState(action, null)
  const [typed, setTyped] = useState('')
  const field = (name: string) => (state && !state.ok ? state.fieldErrors?.[name] : undefined)
  const confirmed = typed.trim().toLowerCase() === email.toLowerCase()
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="destructive">Delete account…</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Delete your account?</DialogTitle>
          <DialogDescription>
            This cannot be undone. Your API keys, campaigns, sessions, plan and the payloads, IP addresses and user agents of your calls are deleted
            now. The record of your calls&apos; tokens and costs stays with the operator, no longer linked to you.
          </DialogDescription>
        </DialogHeader>
        <form action={formAction} className="grid gap-3" data-testid="delete-account-form">
          <div className="grid gap-1.5">
            <Label htmlFor="delete-confirm">
              Type <span className="font-mono">{email}</span> to confirm
            </Label>
            <Input id="delete-confirm" name="confirm" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} aria-invalid={Boolean(field('confirm'))} required />
            {field('confirm') ? <p className="text-xs text-destructive">{field('confirm')}</p> : null}
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="delete-password">Password</Label>
            <Input id="delete-password" name="password" type="password" autoComplete="current-password" aria-invalid={Boolean(field('password'))} required />
            {field('password') ? <p className="text-xs text-destructive">{field('password')}</p> : null}
          </div>
          {state && !state.ok && !field('confirm') && !field('password') ? (
            <p role="alert" className="text-sm text-destructive">{state.error}</p>
          ) : null}
          <DialogFooter>
            <Button type="submit" variant="destructive" disabled={!confirmed || pending}>
              {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
              Delete my account
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  )
}
