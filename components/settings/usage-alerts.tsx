'use client'

import { useActionState, useState, useTransition } from 'react'
import { Check, Loader2, Trash2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

type Result<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }

/** Marks one alert as seen; the list re-renders from the server (and the user's other tabs hear of it). */
export function AcknowledgeAlertButton({ alertId, label, action }: { alertId: string; label: string; action: (id: string) => Promise<Result<undefined>> }) {
  const [pending, startTransition] = useTransition()
  const [error, setError] = useState<string | null>(null)
  return (
    <span className="ml-auto inline-flex items-center gap-2">
      {error ? <span role="alert" className="text-xs text-destructive">{error}</span> : null}
      <Button
        type="button"
        variant="outline"
        size="sm"
        aria-label={`Acknowledge: ${label}`}
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await action(alertId)
            setError(result.ok ? null : result.error)
          })
        }
      >
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Check className="size-4" aria-hidden />}
        Acknowledge
      </Button>
    </span>
  )
}

/** The user's own alert webhook: an https URL that resolves only to public addresses (checked on the server). */
export function AlertWebhookForm({
  url,
  secret,
  saveAction,
  removeAction,
}: {
  url: string | null
  secret: string | null
  saveAction: (previous: Result<{ url: string }> | null, form: FormData) => Promise<Result<{ url: string }>>
  removeAction: () => Promise<Result<undefined>>
}) {
  const [state, formAction, pending] = useActionState(saveAction, null)
  const [removing, startRemove] = useTransition()
  const fieldError = state && !state.ok ? (state.fieldErrors?.url ?? state.error) : undefined
  return (
    <div className="grid gap-3">
      <form action={formAction} className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="alert-webhook-url">Alert webhook URL</Label>
          <Input
            id="alert-webhook-url"
            name="url"
            type="url"
            inputMode="url"
            placeholder="https://example.com/hooks/tollgate"
            maxLength={2048}
            required
            aria-invalid={Boolean(fieldError)}
            aria-describedby="alert-webhook-help"
            defaultValue={state && !state.ok ? state.values?.url : (url ?? '')}
            key={url ?? ''}
          />
        </div>
        <div className="flex gap-2">
          <Button type="submit" disabled={pending}>
            {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
            Save
          </Button>
          {url ? (
            <Button type="button" variant="outline" disabled={removing} onClick={() => startRemove(async () => void (await removeAction()))}>
              <Trash2 className="size-4" aria-hidden />
              Remove
            </Button>
          ) : null}
        </div>
      </form>
      {fieldError ? (
        <p role="alert" data-testid="alert-webhook-error" className="text-sm text-destructive">{fieldError}</p>
      ) : state?.ok ? (
        <p role="status" className="text-sm text-success">Saved. New alerts are POSTed to {state.data.url}.</p>
      ) : null}
      <p id="alert-webhook-help" className="text-xs text-muted-foreground">
        Each alert is POSTed as JSON, signed in the <code className="font-mono">tollgate-signature</code> header (<code className="font-mono">t=…,v1=</code>HMAC-SHA256 of{' '}
        <code className="font-mono">t.body</code>). The URL must be https and reach a public address.
      </p>
      {url && secret ? (
        <div className="grid gap-1 text-sm">
          <span className="text-muted-foreground">Signing secret</span>
          <code data-testid="alert-webhook-secret" className="w-fit max-w-full truncate rounded bg-muted px-2 py-1 font-mono text-xs">{secret}</code>
        </div>
      ) : null}
    </div>
  )
}
