'use client'

import { useActionState } from 'react'
import { KeyRound } from 'lucide-react'
import type { FormActionFn } from '@/components/admin/action-types'
import { ShownOnceKey } from '@/components/shell/shown-once-key'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import { formatDateTime } from '@/lib/format'

type Key = { id: string; name: string; prefix: string; last_used_at: string | null; revoked_at: string | null; created_at: string }

export type KeyActions = { create: FormActionFn<{ key: string; prefix: string }>; revoke: FormActionFn<boolean>; revokeAll: FormActionFn<number> }

/** The user's gateway keys: issue one (shown once), revoke one, revoke all. */
export function UserKeys({ userId, keys, actions }: { userId: string; keys: Key[]; actions: KeyActions }) {
  const [created, create, creating] = useActionState(actions.create, null)
  const [revoked, revoke, revoking] = useActionState(actions.revoke, null)
  const [all, revokeAll, revokingAll] = useActionState(actions.revokeAll, null)
  const active = keys.filter((k) => !k.revoked_at).length
  const nameError = created && !created.ok ? (created.fieldErrors?.name ?? created.error) : null
  return (
    <div className="grid gap-4">
      <form action={create} className="flex flex-wrap items-end gap-3">
        <input type="hidden" name="userId" value={userId} />
        <div className="grid gap-1.5">
          <Label htmlFor="user-key-name">Key name</Label>
          <Input id="user-key-name" name="name" maxLength={100} placeholder="support" aria-invalid={Boolean(nameError)} />
          {nameError ? <p className="text-xs text-destructive">{nameError}</p> : null}
        </div>
        <Button type="submit" variant="outline" disabled={creating}>
          <KeyRound className="size-4" aria-hidden /> Issue key
        </Button>
      </form>
      {created?.ok ? <ShownOnceKey secret={created.data.key} testId="new-user-key" message="Copy the key now and hand it to the user. It will not be shown again." /> : null}
      {revoked && !revoked.ok ? <p role="alert" className="text-sm text-destructive">{revoked.error}</p> : null}
      {all?.ok ? <p role="status" className="text-sm text-muted-foreground">{all.data} key(s) revoked.</p> : null}
      {keys.length === 0 ? (
        <p className="text-sm text-muted-foreground">No keys.</p>
      ) : (
        <Table aria-label="Keys">
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
              <TableRow key={k.id} className={k.revoked_at ? 'text-muted-foreground' : undefined}>
                <TableCell>{k.name}</TableCell>
                <TableCell className="font-mono text-xs">{k.prefix}…</TableCell>
                <TableCell className="text-xs">{formatDateTime(k.created_at)}</TableCell>
                <TableCell className="text-xs">{k.last_used_at ? formatDateTime(k.last_used_at) : 'Never'}</TableCell>
                <TableCell className="text-right">
                  {k.revoked_at ? (
                    <span className="text-xs">Revoked {formatDateTime(k.revoked_at)}</span>
                  ) : (
                    <form action={revoke}>
                      <input type="hidden" name="userId" value={userId} />
                      <input type="hidden" name="keyId" value={k.id} />
                      <Button type="submit" variant="outline" size="sm" disabled={revoking} aria-label={`Revoke key ${k.name}`}>Revoke</Button>
                    </form>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {active > 0 ? (
        <form action={revokeAll}>
          <input type="hidden" name="userId" value={userId} />
          <Button type="submit" variant="destructive" size="sm" disabled={revokingAll}>Revoke all {active} keys</Button>
        </form>
      ) : null}
    </div>
  )
}

type Reconciled = { fixed: boolean; lines: { measure: string; counter: string; from_rows: string }[] }

/** Release holds; check the period's counters against the usage rows, and fix them. */
export function UserMaintenance({ userId, holds, actions }: { userId: string; holds: number; actions: { release: FormActionFn<number>; reconcile: FormActionFn<Reconciled> } }) {
  const [released, release, releasing] = useActionState(actions.release, null)
  const [checked, reconcile, checking] = useActionState(actions.reconcile, null)
  return (
    <div className="grid gap-4 text-sm">
      <form action={release} className="flex flex-wrap items-center gap-3">
        <input type="hidden" name="userId" value={userId} />
        <span>{holds} call(s) held (admitted, not yet settled).</span>
        <Button type="submit" variant="outline" size="sm" disabled={releasing || holds === 0}>Release holds</Button>
        {released?.ok ? <span role="status">{released.data} hold(s) released.</span> : null}
        {released && !released.ok ? <span role="alert" className="text-destructive">{released.error}</span> : null}
      </form>
      <form action={reconcile} className="grid gap-2">
        <input type="hidden" name="userId" value={userId} />
        <div className="flex flex-wrap gap-3">
          <Button type="submit" variant="outline" size="sm" disabled={checking}>Check counters</Button>
          <Button type="submit" name="fix" value="yes" variant="outline" size="sm" disabled={checking}>Fix counters</Button>
        </div>
        {checked?.ok ? (
          <div role="status">
            {checked.data.lines.length === 0
              ? 'The counters match the usage rows.'
              : `${checked.data.fixed ? 'Fixed' : 'Drifted'}: ${checked.data.lines.map((l) => `${l.measure} ${l.counter} → ${l.from_rows}`).join('; ')}`}
          </div>
        ) : null}
        {checked && !checked.ok ? <p role="alert" className="text-destructive">{checked.error}</p> : null}
      </form>
    </div>
  )
}
