'use client'

import { useActionState } from 'react'
import { Loader2, Save } from 'lucide-react'
import type { FormActionFn } from '@/components/admin/action-types'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { cn } from '@/lib/utils'

/** A plan's fields as the form shows them (strings; '' for "none"), named as the action parses them. */
export type PlanFormValues = Record<string, string>

type Saved = { applied: 'next_period' | 'now'; subscribersUpdated: number }

type Field = { name: string; label: string; hint?: string; type?: 'text' | 'number' | 'decimal'; optional?: boolean }

const TERMS: Field[] = [
  { name: 'limit_chat', label: 'Chat messages limit', type: 'number' },
  { name: 'limit_content', label: 'Content generations limit', type: 'number' },
  { name: 'limit_image', label: 'Image generations limit', type: 'number' },
  { name: 'limit_video', label: 'Video generations limit', type: 'number' },
  { name: 'limit_embedding', label: 'Embedding calls limit', type: 'number', optional: true, hint: 'Empty: no quota' },
  { name: 'limit_audio', label: 'Audio calls limit', type: 'number', optional: true, hint: 'Empty: no quota' },
  { name: 'limit_moderation', label: 'Moderation calls limit', type: 'number', optional: true, hint: 'Empty: no quota' },
  { name: 'monthly_cost_budget', label: 'Cost budget per period (USD)', type: 'decimal', optional: true, hint: 'Empty: no budget' },
  { name: 'requests_per_minute', label: 'Requests per minute', type: 'number', hint: 'Per service' },
  { name: 'tokens_per_minute', label: 'Tokens per minute', type: 'number', optional: true, hint: 'Per service; empty: no limit' },
]

const SALE: Field[] = [
  { name: 'price', label: 'Price per period', type: 'decimal', hint: 'In the currency below; 0 for a free plan' },
  { name: 'currency', label: 'Currency' },
  { name: 'period_months', label: 'Period (months)', type: 'number' },
  { name: 'stripe_price_id', label: 'Stripe price id', optional: true, hint: 'price_…; Stripe subscriptions at this price get this plan' },
]

function FieldInput({ field, value, error }: { field: Field; value: string | undefined; error: string | undefined }) {
  const id = `plan-${field.name}`
  const described = [field.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="grid content-start gap-1.5">
      <Label htmlFor={id}>{field.label}</Label>
      <Input
        id={id}
        name={field.name}
        defaultValue={value}
        required={!field.optional}
        inputMode={field.type === 'number' ? 'numeric' : field.type === 'decimal' ? 'decimal' : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      />
      {field.hint ? <p id={`${id}-hint`} className="text-xs text-muted-foreground">{field.hint}</p> : null}
      {error ? <p id={`${id}-error`} className="text-xs text-destructive">{error}</p> : null}
    </div>
  )
}

/** One "when" radio: its accessible name is the label alone ("Apply now"), the explanation its description. */
function ApplyChoice({ value, label, hint, checked }: { value: string; label: string; hint: string; checked: boolean }) {
  const id = `plan-apply-${value}`
  return (
    <div className="flex items-start gap-2 text-sm">
      <input type="radio" id={id} name="apply" value={value} defaultChecked={checked} aria-describedby={`${id}-hint`} className="mt-0.5" />
      <span>
        <label htmlFor={id} className="font-medium">{label}</label> <span id={`${id}-hint`} className="text-muted-foreground">— {hint}</span>
      </span>
    </div>
  )
}

const selectClass =
  'h-9 w-full rounded-md border border-input bg-transparent px-3 py-1 text-base shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 md:text-sm dark:bg-input/30'

/**
 * Creates a plan (`mode` new: the id is asked for) or edits one (the id is fixed; the operator
 * chooses whether the change reaches the subscribers now or at their next period).
 */
export function PlanForm({ mode, values, subscribers, action }: { mode: 'new' | 'edit'; values: PlanFormValues; subscribers?: number; action: FormActionFn<Saved | undefined> }) {
  const [state, submit, pending] = useActionState(action, null)
  const failed = state && !state.ok ? state : null
  const errors = failed?.fieldErrors ?? {}
  // After a refusal the fields show what was typed (secret-looking names such as tokens_per_minute
  // are not echoed back: they show the saved value).
  const value = (name: string) => failed?.values?.[name] ?? values[name] ?? ''
  const saved = state?.ok ? state.data : undefined
  return (
    <form action={submit} className="grid gap-6" noValidate>
      {mode === 'edit' ? <input type="hidden" name="id" value={values.id} /> : null}
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Plan</legend>
        {mode === 'new' ? <FieldInput field={{ name: 'id', label: 'Plan id', hint: 'Lower case letters, digits and _; it cannot change later' }} value={value('id')} error={errors.id} /> : null}
        <FieldInput field={{ name: 'name', label: 'Name' }} value={value('name')} error={errors.name} />
        <div className="grid gap-1.5 sm:col-span-2">
          <Label htmlFor="plan-description">Description</Label>
          <textarea
            id="plan-description"
            name="description"
            defaultValue={value('description')}
            rows={2}
            aria-invalid={errors.description ? true : undefined}
            className={cn(selectClass, 'h-auto min-h-16')}
          />
          {errors.description ? <p className="text-xs text-destructive">{errors.description}</p> : null}
        </div>
      </fieldset>
      <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <legend className="mb-2 text-sm font-semibold">Price</legend>
        {SALE.map((f) => <FieldInput key={f.name} field={f} value={value(f.name)} error={errors[f.name]} />)}
      </fieldset>
      <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <legend className="mb-2 text-sm font-semibold">Limits per period and rates</legend>
        {TERMS.map((f) => <FieldInput key={f.name} field={f} value={value(f.name)} error={errors[f.name]} />)}
        <div className="grid content-start gap-1.5">
          <Label htmlFor="plan-enforcement_mode">Enforcement</Label>
          <select id="plan-enforcement_mode" name="enforcement_mode" defaultValue={value('enforcement_mode') || 'hard'} className={selectClass}>
            <option value="hard">Hard: refuse past a limit</option>
            <option value="soft">Soft: alert, never refuse</option>
            <option value="off">Off: track only</option>
          </select>
          {errors.enforcement_mode ? <p className="text-xs text-destructive">{errors.enforcement_mode}</p> : null}
        </div>
      </fieldset>
      {mode === 'edit' ? (
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-semibold">When the change reaches the {subscribers ?? 0} subscriber(s)</legend>
          <ApplyChoice value="next_period" label="Apply at next period" hint="each subscription takes the new terms when its period rolls over" checked={value('apply') !== 'now'} />
          <ApplyChoice value="now" label="Apply now" hint="every subscription takes them at once; this period's use is kept" checked={value('apply') === 'now'} />
          <p className="text-xs text-muted-foreground">Either way, a limit, budget, rate or enforcement set for one user (different from what the plan gave) is kept.</p>
          {errors.apply ? <p className="text-xs text-destructive">{errors.apply}</p> : null}
        </fieldset>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Save className="size-4" aria-hidden />}
          {mode === 'new' ? 'Create plan' : 'Save plan'}
        </Button>
        <p role="status" className="text-sm text-muted-foreground">
          {saved
            ? saved.applied === 'now'
              ? `Saved and applied now to ${saved.subscribersUpdated} subscription(s).`
              : 'Saved. Each subscriber gets the new terms at their next period.'
            : ''}
        </p>
      </div>
      {failed ? <p role="alert" className="text-sm text-destructive">{failed.error}</p> : null}
    </form>
  )
}
