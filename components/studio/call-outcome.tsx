'use client'

import { AlertTriangle, ReceiptText } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import type { CallFailure, CallReceipt } from '@/components/studio/gateway'
import { formatCost, formatCount, formatLatency } from '@/components/studio/format'
import type { ReceiptState } from '@/components/studio/use-gateway-call'

/** A failed call. A 429 is a plan limit or rate refusal: the user's next step is upgrading. */
export function FailureNotice({ failure }: { failure: CallFailure | null }) {
  if (!failure) return null
  const refused = failure.status === 429
  return (
    <div role="alert" className="flex gap-3 rounded-lg border border-destructive/40 bg-destructive/5 p-4 text-sm">
      <AlertTriangle className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
      <div className="grid gap-1">
        <p className="font-medium text-destructive">{refused ? 'Limit reached' : 'The call failed'}</p>
        <p className="text-foreground">{failure.message}</p>
        {refused ? (
          <a className="w-fit font-medium text-primary underline underline-offset-4" href={failure.upgradeUrl ?? '/settings'}>
            Upgrade your plan
          </a>
        ) : null}
      </div>
    </div>
  )
}

const STATUS_LABEL: Record<string, string> = {
  error: 'failed',
  rate_limited: 'rate limited',
  limit_exceeded: 'refused: limit',
  client_aborted: 'stopped',
}

/** What one call was charged, as the gateway said it with the answer. */
export function Receipt({ receipt }: { receipt: ReceiptState }) {
  if (!receipt) return null
  return <ReceiptCard row={receipt} />
}

function costText(row: CallReceipt): string {
  if (row.costStatus === 'pending') return 'in Usage & Costs'
  return `${formatCost(row.cost)}${row.costStatus === 'estimated' ? ' (est.)' : ''}`
}

function ReceiptCard({ row }: { row: CallReceipt }) {
  const simulated = row.provider === 'simulator'
  const items: [string, string][] = []
  if (row.inputTokens !== undefined || row.outputTokens !== undefined)
    items.push(['Tokens in / out', `${formatCount(row.inputTokens ?? 0)} / ${formatCount(row.outputTokens ?? 0)}`])
  if (row.images !== undefined) items.push(['Images', formatCount(row.images)])
  if (row.seconds !== undefined) items.push(['Seconds', formatCount(row.seconds)])
  items.push(['Cost', costText(row)])
  items.push(['Latency', formatLatency(row.latencyMs)])
  if (row.firstTokenMs !== undefined && row.firstTokenMs !== null) items.push(['First token', formatLatency(row.firstTokenMs)])

  return (
    <section data-testid="receipt" aria-label="Receipt" aria-live="polite" className="grid gap-2 rounded-lg border bg-muted/40 p-3 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <ReceiptText className="size-4 text-muted-foreground" aria-hidden />
        <span className="font-medium">{row.model}</span>
        {row.provider ? <Badge variant={simulated ? 'warning' : 'secondary'}>{simulated ? 'simulator' : row.provider}</Badge> : null}
        {row.status !== 'success' ? <Badge variant="destructive">{STATUS_LABEL[row.status] ?? row.status}</Badge> : null}
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-4">
        {items.map(([label, value]) => (
          <div key={label} className="min-w-0">
            <dt className="text-xs text-muted-foreground">{label}</dt>
            <dd className="truncate font-medium tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      {simulated && row.status === 'success' ? (
        <p className="text-xs text-muted-foreground">
          Served by the built-in simulator (no provider key configured), priced as the real model would be.
        </p>
      ) : null}
    </section>
  )
}
