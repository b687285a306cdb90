'use client'

import { useActionState } from 'react'
import { Loader2, Plus } from 'lucide-react'
import type { FormActionFn, FormResult } from '@/components/admin/action-types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { PriceOverrideRow } from '@/lib/admin/price-overrides'

const UNITS = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok', 'input_image_mtok', 'image', 'second', 'megapixel', 'generation']
const STATE_VARIANT = { active: 'default', scheduled: 'secondary', ended: 'outline' } as const

function Field({ name, label, result, ...props }: { name: string; label: string; result: FormResult | null } & React.ComponentProps<typeof Input>) {
  const error = result && !result.ok ? result.fieldErrors?.[name] : undefined
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={`override-${name}`}>{label}</Label>
      <Input id={`override-${name}`} name={name} aria-invalid={Boolean(error)} aria-describedby={error ? `override-${name}-error` : undefined} defaultValue={result && !result.ok ? result.values?.[name] : undefined} {...props} />
      {error ? <p id={`override-${name}-error`} className="text-xs text-destructive">{error}</p> : null}
    </div>
  )
}

/** The form that adds an override; the database refuses overlaps and the error names the one in the way. */
export function CreateOverrideForm({ action }: { action: FormActionFn }) {
  const [result, submit, pending] = useActionState(action, null)
  const unitError = result && !result.ok ? result.fieldErrors?.unit : undefined
  return (
    <form action={submit} className="grid gap-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field name="provider" label="Provider" placeholder="openai" required result={result} />
        <Field name="model" label="Model" placeholder="gpt-4o" required result={result} />
        <div className="grid gap-1.5">
          <Label htmlFor="override-unit">Unit</Label>
          <select id="override-unit" name="unit" required defaultValue={result && !result.ok ? result.values?.unit : 'output_mtok'} className="h-9 rounded-md border bg-background px-2 text-sm">
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
          {unitError ? <p className="text-xs text-destructive">{unitError}</p> : null}
        </div>
        <Field name="variant" label="Variant (media, optional)" placeholder="hd|1792x1024" result={result} />
        <Field name="price" label="Price (USD per unit; per 1M tokens for _mtok)" inputMode="decimal" placeholder="2.50" required result={result} />
        <Field name="effectiveFrom" label="From (UTC)" type="datetime-local" required result={result} />
        <Field name="effectiveTo" label="To (UTC, optional)" type="datetime-local" result={result} />
        <Field name="source" label="Source" placeholder="contract with OpenAI, 2026" required result={result} />
      </div>
      <Field name="note" label="Note (optional)" result={result} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Plus className="size-4" aria-hidden />}
          Add override
        </Button>
        {result && !result.ok ? <p role="alert" className="text-sm text-destructive">{result.error}</p> : null}
        {result?.ok ? <p className="text-sm text-muted-foreground">Saved. This server charges it now; other instances within 30 seconds.</p> : null}
      </div>
    </form>
  )
}

const shown = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(':00Z', ' UTC') : '—')

/** Overrides in force, scheduled and ended, with a form per live one to end it now or at a chosen time. */
export function OverrideList({ overrides, endAction }: { overrides: PriceOverrideRow[]; endAction: FormActionFn }) {
  const [ended, end, ending] = useActionState(endAction, null)
  if (overrides.length === 0) return <p className="text-sm text-muted-foreground">No price overrides: every model is priced by the bundled catalog.</p>
  return (
    <div className="grid gap-2">
      {ended && !ended.ok ? <p role="alert" className="text-sm text-destructive">{ended.error}</p> : null}
      <Table aria-label="Price overrides">
        <TableHeader>
          <TableRow>
            <TableHead>State</TableHead>
            <TableHead>Model</TableHead>
            <TableHead>Unit</TableHead>
            <TableHead className="text-right">USD</TableHead>
            <TableHead>From</TableHead>
            <TableHead>To</TableHead>
            <TableHead>Source</TableHead>
            <TableHead>End</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {overrides.map((o) => (
            <TableRow key={o.id}>
              <TableCell>
                <Badge variant={STATE_VARIANT[o.state]}>{o.state}</Badge>
              </TableCell>
              <TableCell className="font-mono text-xs">
                {o.provider}/{o.model}
              </TableCell>
              <TableCell className="font-mono text-xs">
                {o.unit}
                {o.variant ? ` (${o.variant})` : ''}
              </TableCell>
              <TableCell className="text-right tabular-nums">{o.price}</TableCell>
              <TableCell className="whitespace-nowrap text-xs">{shown(o.effective_from)}</TableCell>
              <TableCell className="whitespace-nowrap text-xs">{shown(o.effective_to)}</TableCell>
              <TableCell className="max-w-48 truncate text-xs" title={o.note ?? o.source}>
                {o.source}
              </TableCell>
              <TableCell>
                {o.state !== 'ended' ? (
                  <form action={end} className="flex items-center gap-1">
                    <input type="hidden" name="id" value={o.id} />
                    <Input name="at" type="datetime-local" aria-label={`End ${o.model} ${o.unit} at (UTC; empty: now)`} className="h-8 w-44 text-xs" />
                    <Button type="submit" variant="outline" size="sm" disabled={ending}>
                      End
                    </Button>
                  </form>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  )
}
