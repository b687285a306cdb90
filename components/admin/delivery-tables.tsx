'use client'

import { useActionState } from 'react'
import { RotateCw } from 'lucide-react'
import type { FormActionFn } from '@/components/admin/action-types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { AlertDeliveryRow, StripeEventRow } from '@/lib/admin/deliveries'
import { formatDateTime } from '@/lib/format'

const STATUS_VARIANT = { delivered: 'success', failed: 'destructive', retrying: 'warning', pending: 'secondary' } as const
const host = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** Alert deliveries with their outcome; a failed one (given up, or waiting to retry) can be re-queued. */
export function AlertDeliveryTable({ rows, retryAction }: { rows: AlertDeliveryRow[]; retryAction: FormActionFn }) {
  const [retried, retry, retrying] = useActionState(retryAction, null)
  return (
    <div className="grid gap-2">
      {retried && !retried.ok ? <p role="alert" className="text-sm text-destructive">{retried.error}</p> : null}
      {retried?.ok ? <p className="text-sm text-muted-foreground">Queued: a delivery worker sends it within a few seconds.</p> : null}
      <Table aria-label="Alert deliveries">
        <TableHeader>
          <TableRow>
            <TableHead>Created</TableHead>
            <TableHead>User</TableHead>
            <TableHead>Alert</TableHead>
            <TableHead>To</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="text-right">Attempts</TableHead>
            <TableHead>Last error</TableHead>
            <TableHead>Next attempt</TableHead>
            <TableHead className="sr-only">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((d) => (
            <TableRow key={d.id}>
              <TableCell className="whitespace-nowrap text-xs">{formatDateTime(d.created_at)}</TableCell>
              <TableCell className="text-xs">{d.email ?? d.user_id}</TableCell>
              <TableCell className="max-w-56 truncate text-xs" title={d.message}>
                {d.message}
              </TableCell>
              <TableCell className="font-mono text-xs" title={d.url}>
                {host(d.url)}
              </TableCell>
              <TableCell>
                <Badge variant={STATUS_VARIANT[d.status]}>{d.in_flight ? 'sending' : d.status}</Badge>
              </TableCell>
              <TableCell className="text-right tabular-nums">{d.attempts}</TableCell>
              <TableCell className="max-w-56 truncate text-xs" title={d.last_error ?? undefined}>
                {d.last_error ?? '—'}
              </TableCell>
              <TableCell className="whitespace-nowrap text-xs">{d.delivered_at ? `delivered ${formatDateTime(d.delivered_at)}` : d.next_attempt_at ? formatDateTime(d.next_attempt_at) : 'given up'}</TableCell>
              <TableCell className="text-right">
                {(d.status === 'failed' || d.status === 'retrying') && !d.in_flight ? (
                  <form action={retry}>
                    <input type="hidden" name="id" value={d.id} />
                    <Button type="submit" variant="outline" size="sm" disabled={retrying} aria-label={`Retry delivery to ${host(d.url)}`}>
                      <RotateCw className="size-3.5" aria-hidden />
                      Retry
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

export function StripeEventTable({ rows }: { rows: StripeEventRow[] }) {
  return (
    <Table aria-label="Stripe events">
      <TableHeader>
        <TableRow>
          <TableHead>Received</TableHead>
          <TableHead>Event</TableHead>
          <TableHead>Type</TableHead>
          <TableHead>Outcome</TableHead>
          <TableHead>Created at Stripe</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((e) => (
          <TableRow key={e.id}>
            <TableCell className="whitespace-nowrap text-xs">{formatDateTime(e.received_at)}</TableCell>
            <TableCell className="font-mono text-xs">{e.id}</TableCell>
            <TableCell className="font-mono text-xs">{e.type}</TableCell>
            <TableCell>
              <Badge variant={e.outcome.startsWith('applied') ? 'success' : 'secondary'}>{e.outcome}</Badge>
            </TableCell>
            <TableCell className="whitespace-nowrap text-xs">{formatDateTime(e.created_at_stripe)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}
