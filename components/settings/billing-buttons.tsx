'use client'

import { useActionState } from 'react'
import { Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'

type Result = { ok: true; data: unknown } | { ok: false; error: string }

/** Upgrade to a paid plan through Stripe Checkout; errors (billing off, Stripe down) stay on the page. */
export function UpgradeButton<R extends Result>({ plan, label, action }: { plan: string; label: string; action: (previous: R | null, form: FormData) => Promise<R> }) {
  const [state, formAction, pending] = useActionState(action, null)
  return (
    <form action={formAction} className="grid w-full gap-2">
      <input type="hidden" name="plan" value={plan} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
        {label}
      </Button>
      {state && !state.ok ? <p role="alert" className="text-xs text-destructive">{state.error}</p> : null}
    </form>
  )
}

export function ManageBillingButton({ action }: { action: () => Promise<Result> }) {
  const [state, formAction, pending] = useActionState(async () => action(), null)
  return (
    <form action={formAction} className="grid gap-2">
      <Button type="submit" variant="outline" disabled={pending}>
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
        Manage billing
      </Button>
      {state && !state.ok ? <p role="alert" className="text-xs text-destructive">{state.error}</p> : null}
    </form>
  )
}
