'use client'

import { useActionState } from 'react'
import { KeyRound, Loader2 } from 'lucide-react'
import type { FormActionFn } from '@/components/admin/action-types'
import { Badge } from '@/components/ui/badge'
import { ShownOnceKey } from '@/components/shell/shown-once-key'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { OperatorKeySummary } from '@/lib/admin/keys'
import { formatDateTime } from '@/lib/format'

/** Issue an admin or service key (shown once), list them, revoke one. */
export function OperatorKeys({ keys, createAction, revokeAction }: { keys: OperatorKeySummary[]; createAction: FormActionFn<{ key: string; prefix: string }>; revokeAction: FormActionFn }) {
  const [state, create, creating] = useActionState(createAction, null)
  const [revoked, revoke, revoking] = useActionState(revokeAction, null)
  const created = state?.ok ? state.data : null
  return (
    <div className="grid gap-4">
      <form action={create} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <fieldset className="grid gap-1.5">
          <legend className="mb-1.5 text-sm font-medium">Kind</legend>
          <div className="flex gap-4 text-sm">
            <label className="flex items-center gap-1.5">
              <input type="radio" name="kind" value="admin" defaultChecked /> Admin
            </label>
            <label className="flex items-center gap-1.5">
              <input type="radio" name="kind" value="service" /> Service
            </label>
          </div>
        </fieldset>
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="operator-key-name">Key name</Label>
          <Input id="operator-key-name" name="name" placeholder="product backend" maxLength={100} required />
        </div>
        <Button type="submit" disabled={creating}>
          {creating ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <KeyRound className="size-4" aria-hidden />}
          Issue key
        </Button>
      </form>
      {state && !state.ok ? <p role="alert" className="text-sm text-destructive">{state.error}</p> : null}
      {revoked && !revoked.ok ? <p role="alert" className="text-sm text-destructive">{revoked.error}</p> : null}
      {created ? <ShownOnceKey secret={created.key} testId="new-operator-key" /> : null}
      {keys.length === 0 ? (
        <p className="text-sm text-muted-foreground">No operator keys yet.</p>
      ) : (
        <Table aria-label="Operator keys">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Kind</TableHead>
              <TableHead>Key</TableHead>
              <TableHead>Issued by</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead className="sr-only">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.map((k) => (
              <TableRow key={k.id} className={k.revoked_at ? 'text-muted-foreground' : undefined}>
                <TableCell>{k.name}</TableCell>
                <TableCell><Badge variant={k.kind === 'admin' ? 'default' : 'secondary'}>{k.kind}</Badge></TableCell>
                <TableCell className="font-mono text-xs">{k.prefix}…</TableCell>
                <TableCell className="font-mono text-xs">{k.created_by}</TableCell>
                <TableCell>{k.last_used_at ? formatDateTime(k.last_used_at) : 'Never'}</TableCell>
                <TableCell className="text-right">
                  {k.revoked_at ? (
                    <span className="text-xs">Revoked {formatDateTime(k.revoked_at)}</span>
                  ) : (
                    <form action={revoke}>
                      <input type="hidden" name="id" value={k.id} />
                      <Button type="submit" variant="outline" size="sm" disabled={revoking} aria-label={`Revoke key ${k.name}`}>Revoke</Button>
                    </form>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  )
}
