import Link from 'next/link'
import { Button } from '@/components/ui/button'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { AuditEntry } from '@/lib/admin/audit'
import { auditChanges } from '@/lib/admin/audit-diff'
import { formatDateTime } from '@/lib/format'

/** Audit rows with what each changed (before → after); `olderHref` pages on by keyset. */
export function AuditTable({ entries, olderHref, showTarget = true }: { entries: AuditEntry[]; olderHref?: string | null; showTarget?: boolean }) {
  if (entries.length === 0) return <p className="text-sm text-muted-foreground">No operator has changed anything yet.</p>
  return (
    <div className="grid gap-3">
      <Table aria-label="Audit log">
        <TableHeader>
          <TableRow>
            <TableHead>When</TableHead>
            <TableHead>Who</TableHead>
            <TableHead>What</TableHead>
            {showTarget ? <TableHead>On</TableHead> : null}
            <TableHead>Change</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {entries.map((e) => (
            <TableRow key={e.id}>
              <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(e.at)}</TableCell>
              <TableCell className="font-mono text-xs">{e.actor}</TableCell>
              <TableCell className="font-mono text-xs">{e.action}</TableCell>
              {showTarget ? (
                <TableCell className="max-w-48 truncate text-xs">
                  {e.target_user ? <Link className="underline-offset-4 hover:underline" href={`/admin/users/${e.target_user}`}>{e.target_email ?? e.target ?? e.target_user}</Link> : (e.target ?? '—')}
                </TableCell>
              ) : null}
              <TableCell className="text-xs">
                <ul className="grid gap-0.5">
                  {auditChanges(e.before, e.after).map((c) => (
                    <li key={c.path}>
                      <span className="font-mono">{c.path}</span>: <span className="text-muted-foreground line-through decoration-1">{c.before}</span> → {c.after}
                    </li>
                  ))}
                </ul>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {olderHref ? (
        <Button variant="outline" size="sm" className="justify-self-start" asChild>
          <Link href={olderHref}>Older</Link>
        </Button>
      ) : null}
    </div>
  )
}
