'use client'

import { AlertTriangle, Loader2, ReceiptText } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import type { CallFailure, UsageRow } from '@/components/studio/gateway'
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

/** What one call was charged, read back from the usage history once recorded. */
export function Receipt({ receipt }: { receipt: ReceiptState }) {
  if (!receipt) return null
  if (receipt.state === 'loading')
    return (
      <p className="flex items-center gap-2 text-xs text-muted-foreground" aria-live="polite">
        <Loader2 className="size-3.5 animate-spin" aria-hidden /> Reading the receipt…
      </p>
    )
  if (receipt.state === 'missing')
    return (
      <p className="text-xs text-muted-foreground" aria-live="polite">
        The usage row has not been recorded yet; it will appear in Settings → Usage &amp; Costs.
      </p>
    )
  return <ReceiptCard row={receipt.row} />
}

function ReceiptCard({ row }: { row: UsageRow }) {
  const simulated = row.provider === 'simulator'
  const items: [string, string][] = []
  if (row.service_type === 'chat' || row.service_type === 'content' || row.input_tokens || row.output_tokens)
    items.push(['Tokens in / out', `${formatCount(row.input_tokens)} / ${formatCount(row.output_tokens)}`])
  if (row.service_type === 'image') items.push(['Images', formatCount(row.images_generated)])
  if (row.service_type === 'video') items.push(['Seconds', formatCount(row.video_seconds)])
  items.push(['Cost', `${formatCost(row.total_cost)}${row.cost_status === 'estimated' ? ' (est.)' : ''}`])
  items.push(['Latency', formatLatency(row.latency_ms)])
  if (row.time_to_first_token_ms !== null) items.push(['First token', formatLatency(row.time_to_first_token_ms)])

  return (
    <section data-testid="receipt" aria-label="Receipt" aria-live="polite" className="grid gap-2 rounded-lg border bg-muted/40 p-3 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <ReceiptText className="size-4 text-muted-foreground" aria-hidden />
        <span className="font-medium">{row.model}</span>
        <Badge variant={simulated ? 'warning' : 'secondary'}>{simulated ? 'simulator' : row.provider}</Badge>
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
