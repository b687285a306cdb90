'use client'

import { useActionState, useState, useTransition } from 'react'
import { KeyRound, Loader2, Trash2 } from 'lucide-react'
import { ShownOnceKey } from '@/components/shell/shown-once-key'
import { Button } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'

type Key = { id: string; name: string; prefix: string; created_at: string; last_used_at: string | null }
type Result<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }

const when = (iso: string | null) => (iso ? new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : 'Never')

export function ApiKeys({
  keys,
  createAction,
  revokeAction,
}: {
  keys: Key[]
  createAction: (previous: Result<{ key: string; prefix: string }> | null, form: FormData) => Promise<Result<{ key: string; prefix: string }>>
  revokeAction: (id: string) => Promise<Result<undefined>>
}) {
  const [state, formAction, pending] = useActionState(createAction, null)
  const created = state?.ok ? state.data : null
  return (
    <div className="grid gap-4">
      <form action={formAction} className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="key-name">New key name</Label>
          <Input id="key-name" name="name" placeholder="production server" maxLength={100} required defaultValue={state && !state.ok ? state.values?.name : undefined} />
        </div>
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <KeyRound className="size-4" aria-hidden />}
          Create key
        </Button>
      </form>
      {state && !state.ok ? <p role="alert" className="text-sm text-destructive">{state.error}</p> : null}
      {created ? <ShownOnceKey secret={created.key} testId="new-api-key" /> : null}
      {keys.length === 0 ? (
        <p className="text-sm text-muted-foreground">No API keys yet. Create one to call the gateway from your code.</p>
      ) : (
        <Table data-testid="api-keys">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Key</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead className="sr-only">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.map((k) => (
              <TableRow key={k.id}>
                <TableCell className="font-medium">{k.name}</TableCell>
                <TableCell className="font-mono text-xs">{k.prefix}…</TableCell>
                <TableCell className="text-xs">{when(k.created_at)}</TableCell>
                <TableCell className="text-xs">{when(k.last_used_at)}</TableCell>
                <TableCell className="text-right">
                  <RevokeButton name={k.name} onRevoke={() => revokeAction(k.id)} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  )
}

function RevokeButton({ name, onRevoke }: { name: string; onRevoke: () => Promise<Result<undefined>> }) {
  const [pending, startTransition] = useTransition()
  const [error, setError] = useState<string | null>(null)
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Revoke ${name}`}>
          <Trash2 className="size-4" aria-hidden /> Revoke
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Revoke “{name}”?</DialogTitle>
          <DialogDescription>Anything using this key stops working at once. This cannot be undone.</DialogDescription>
        </DialogHeader>
        {error ? <p role="alert" className="text-sm text-destructive">{error}</p> : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline">Cancel</Button>
          </DialogClose>
          <Button
            variant="destructive"
            disabled={pending}
            onClick={() =>
              startTransition(async () => {
                const result = await onRevoke()
                if (!result.ok) setError(result.error)
              })
            }
          >
            {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
            Revoke key
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  )
}
