'use client'

import { useActionState, type ReactNode } from 'react'
import { Loader2 } from 'lucide-react'
import type { FormActionFn, FormResult } from '@/components/admin/action-types'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

// The user page's change forms (plan, limits, enforcement, budget, rates): each a small form on
// its own action, its outcome in a status line, the library's refusal under the field it names.

const SELECT = 'h-9 rounded-md border border-input bg-background px-3 text-sm'

type Field = { name: string; label: string; kind?: 'select'; options?: { value: string; label: string }[]; defaultValue?: string; placeholder?: string; inputMode?: 'numeric' | 'decimal' }

function FieldError({ state, name }: { state: FormResult<unknown> | null; name: string }) {
  const message = state && !state.ok ? state.fieldErrors?.[name] : undefined
  return message ? <p id={`${name}-error`} className="text-xs text-destructive">{message}</p> : null
}

/** One form: hidden user id, its fields, a submit button; `done` says what changed. */
function ChangeForm<T>({ id, userId, action, fields, submit, done }: { id: string; userId: string; action: FormActionFn<T>; fields: Field[]; submit: string; done: (data: T) => string }) {
  const [state, run, pending] = useActionState(action, null)
  const value = (f: Field) => (state && !state.ok ? (state.values?.[f.name] ?? f.defaultValue) : f.defaultValue)
  return (
    <form action={run} className="grid gap-2" aria-labelledby={`${id}-submit`}>
      <input type="hidden" name="userId" value={userId} />
      <div className="flex flex-wrap items-end gap-3">
        {fields.map((f) => {
          const fieldId = `${id}-${f.name}`
          const invalid = Boolean(state && !state.ok && state.fieldErrors?.[f.name])
          return (
            <div key={f.name} className="grid gap-1.5">
              <Label htmlFor={fieldId}>{f.label}</Label>
              {f.kind === 'select' ? (
                <select id={fieldId} name={f.name} defaultValue={value(f)} key={`${f.name}-${value(f)}`} className={SELECT} aria-invalid={invalid}>
                  {f.options!.map((o) => (
                    <option key={o.value} value={o.value}>{o.label}</option>
                  ))}
                </select>
              ) : (
                <Input id={fieldId} name={f.name} defaultValue={value(f)} key={`${f.name}-${value(f)}`} placeholder={f.placeholder} inputMode={f.inputMode} className="w-40" aria-invalid={invalid} aria-describedby={invalid ? `${f.name}-error` : undefined} />
              )}
              <FieldError state={state} name={f.name} />
            </div>
          )
        })}
        <Button id={`${id}-submit`} type="submit" variant="outline" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
          {submit}
        </Button>
      </div>
      {state?.ok ? <p role="status" className="text-sm text-muted-foreground">{done(state.data)}</p> : null}
      {state && !state.ok && !state.fieldErrors ? <p role="alert" className="text-sm text-destructive">{state.error}</p> : null}
    </form>
  )
}

export type TermsActions = {
  plan: FormActionFn<string>
  limit: FormActionFn<string>
  enforcement: FormActionFn<string>
  budget: FormActionFn<string | null>
  rpm: FormActionFn<string>
  tpm: FormActionFn<string>
}

type Props = {
  userId: string
  plans: { id: string; name: string }[]
  services: { id: string; label: string }[]
  current: { plan: string; enforcement: string; budget: string | null }
  actions: TermsActions
}

export function UserTermsForms({ userId, plans, services, current, actions }: Props): ReactNode {
  const planName = (id: string) => plans.find((p) => p.id === id)?.name ?? id
  const serviceOptions = services.map((s) => ({ value: s.id, label: s.label }))
  return (
    <div className="grid gap-5">
      <ChangeForm id="plan" userId={userId} action={actions.plan} submit="Change plan" done={(p) => `Plan changed to ${planName(p)}.`}
        fields={[{ name: 'plan', label: 'Plan', kind: 'select', options: plans.map((p) => ({ value: p.id, label: p.name })), defaultValue: current.plan }]} />
      <ChangeForm id="limit" userId={userId} action={actions.limit} submit="Set limit" done={() => 'Limit saved.'}
        fields={[{ name: 'service', label: 'Service', kind: 'select', options: serviceOptions }, { name: 'limit', label: 'Limit per period', placeholder: 'empty: none', inputMode: 'numeric' }]} />
      <ChangeForm id="enforcement" userId={userId} action={actions.enforcement} submit="Set enforcement" done={(m) => `Enforcement is ${m}.`}
        fields={[{ name: 'enforcement', label: 'Enforcement', kind: 'select', defaultValue: current.enforcement, options: ['off', 'soft', 'hard'].map((m) => ({ value: m, label: m })) }]} />
      <ChangeForm id="budget" userId={userId} action={actions.budget} submit="Set budget" done={(b) => (b ? `Budget is $${b} a period.` : 'No budget.')}
        fields={[{ name: 'budget', label: 'Budget (USD a period)', defaultValue: current.budget ?? '', placeholder: 'empty: none', inputMode: 'decimal' }]} />
      <ChangeForm id="rpm" userId={userId} action={actions.rpm} submit="Set requests a minute" done={() => 'Requests a minute saved.'}
        fields={[{ name: 'service', label: 'Service', kind: 'select', options: serviceOptions }, { name: 'requests_per_minute', label: 'Requests a minute', inputMode: 'numeric' }]} />
      <ChangeForm id="tpm" userId={userId} action={actions.tpm} submit="Set tokens a minute" done={() => 'Tokens a minute saved.'}
        fields={[{ name: 'service', label: 'Service', kind: 'select', options: serviceOptions }, { name: 'tokens_per_minute', label: 'Tokens a minute', placeholder: 'empty: no limit', inputMode: 'numeric' }]} />
    </div>
  )
}
