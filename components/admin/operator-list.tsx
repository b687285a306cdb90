'use client'

import { useActionState } from 'react'
import { Loader2, ShieldPlus } from 'lucide-react'
import type { FormActionFn } from '@/components/admin/action-types'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { OperatorSummary } from '@/lib/admin/operators'
import { formatDateTime } from '@/lib/format'

/** The operators, a form to grant the role by email, and a revoke button per operator (not oneself). */
export function OperatorList({ operators, self, grantAction, revokeAction }: { operators: OperatorSummary[]; self: string; grantAction: FormActionFn; revokeAction: FormActionFn }) {
  const [granted, grant, granting] = useActionState(grantAction, null)
  const [revoked, revoke, revoking] = useActionState(revokeAction, null)
  return (
    <div className="grid gap-4">
      <form action={grant} className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="operator-email">Grant the role to</Label>
          <Input id="operator-email" name="email" type="email" placeholder="teammate@example.com" required defaultValue={granted && !granted.ok ? granted.values?.email : undefined} />
        </div>
        <Button type="submit" disabled={granting}>
          {granting ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <ShieldPlus className="size-4" aria-hidden />}
          Grant
        </Button>
      </form>
      {granted && !granted.ok ? <p role="alert" className="text-sm text-destructive">{granted.error}</p> : null}
      {revoked && !revoked.ok ? <p role="alert" className="text-sm text-destructive">{revoked.error}</p> : null}
      {operators.length === 0 ? (
        <p className="text-sm text-muted-foreground">Nobody has been granted the role in the database yet.</p>
      ) : (
        <Table aria-label="Operators">
          <TableHeader>
            <TableRow>
              <TableHead>Email</TableHead>
              <TableHead>Granted</TableHead>
              <TableHead>By</TableHead>
              <TableHead className="sr-only">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {operators.map((o) => (
              <TableRow key={o.user_id}>
                <TableCell>{o.email ?? o.user_id}</TableCell>
                <TableCell className="text-muted-foreground">{formatDateTime(o.granted_at)}</TableCell>
                <TableCell className="font-mono text-xs">{o.granted_by}</TableCell>
                <TableCell className="text-right">
                  {o.email && o.email.toLowerCase() !== self.toLowerCase() ? (
                    <form action={revoke}>
                      <input type="hidden" name="email" value={o.email} />
                      <Button type="submit" variant="outline" size="sm" disabled={revoking} aria-label={`Revoke ${o.email}`}>
                        Revoke
                      </Button>
                    </form>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  )
}
