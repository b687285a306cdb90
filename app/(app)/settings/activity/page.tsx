import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { X } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import { ActivityFilters, type ActivityFilterValues } from '@/components/usage/activity-filters'
import { requireUser } from '@/lib/auth'
import { withUser } from '@/lib/db/with-user'
import { env } from '@/lib/env'
import { formatDateTime, formatMoney } from '@/lib/format'
import { dayAfter, decodeCursor, getUsageRow, HistoryQuerySchema, listUsageHistory } from '@/lib/usage/history'

export const metadata: Metadata = { title: 'Activity' }

const FILTERS = ['service', 'status', 'model', 'campaign', 'from', 'to'] as const

export default async function ActivityPage({ searchParams }: PageProps<'/settings/activity'>) {
  const user = await requireUser('/settings/activity')
  const raw = await searchParams
  const values: ActivityFilterValues = Object.fromEntries(FILTERS.flatMap((k) => (typeof raw[k] === 'string' && raw[k] ? [[k, raw[k]]] : [])))
  // "To" is a day the user includes; the query's bound is exclusive, so it is the next day.
  const toExclusive = values.to ? (dayAfter(values.to) ?? values.to) : undefined
  const parsed = HistoryQuerySchema.safeParse({ ...values, to: toExclusive, limit: 25, cursor: typeof raw.cursor === 'string' ? raw.cursor : undefined })
  const filterQuery = new URLSearchParams(values as Record<string, string>).toString()
  const campaigns = await withUser(user.id, (tx) => tx.campaign.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } }))
  const detail = typeof raw.detail === 'string' ? await getUsageRow(user.id, raw.detail) : null
  // Usage rows are never deleted, so a detail id that finds nothing is another user's row or a
  // made-up id: 404, the answer every id-taking route gives, not a page that quietly omits it.
  if (typeof raw.detail === 'string' && !detail) notFound()

  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Activity</CardTitle>
          <CardDescription>Every call you made through the gateway, newest first. Open a row for its tokens, cost parts and payloads.</CardDescription>
        </CardHeader>
        <CardContent>
          <ActivityFilters values={values} campaigns={campaigns} exportHref={`/api/usage/export${parsed.success ? `?${new URLSearchParams({ ...values, ...(toExclusive ? { to: toExclusive } : {}) } as Record<string, string>)}` : ''}`} />
        </CardContent>
      </Card>

      {detail ? (
        <Card data-testid="activity-detail">
          <CardHeader className="flex flex-row items-start justify-between">
            <div>
              <CardTitle className="text-base">{detail.model} · {detail.provider}</CardTitle>
              <CardDescription className="font-mono text-xs">{detail.request_id}</CardDescription>
            </div>
            <Button variant="ghost" size="icon" asChild>
              <Link href={`/settings/activity?${filterQuery}`} aria-label="Close details">
                <X className="size-4" aria-hidden />
              </Link>
            </Button>
          </CardHeader>
          <CardContent className="grid gap-4 text-sm md:grid-cols-2">
            <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
              <dt className="text-muted-foreground">Status</dt>
              <dd>{detail.status}{detail.error_code ? ` (${detail.error_code})` : ''}</dd>
              <dt className="text-muted-foreground">Tokens in / out</dt>
              <dd className="tabular-nums">{detail.tokens.input} / {detail.tokens.output}</dd>
              <dt className="text-muted-foreground">Cached / reasoning</dt>
              <dd className="tabular-nums">{detail.tokens.cached} / {detail.tokens.reasoning}</dd>
              <dt className="text-muted-foreground">Images / video s</dt>
              <dd className="tabular-nums">{detail.images_generated} / {detail.video_seconds}</dd>
              <dt className="text-muted-foreground">Input / output cost</dt>
              <dd className="tabular-nums">{formatMoney(detail.cost.input)} / {formatMoney(detail.cost.output)}</dd>
              <dt className="text-muted-foreground">Generation cost</dt>
              <dd className="tabular-nums">{formatMoney(detail.cost.generation)}</dd>
              <dt className="text-muted-foreground">Total ({detail.cost.status})</dt>
              <dd className="font-medium tabular-nums">{detail.cost.total ?? 'unpriced'}</dd>
              <dt className="text-muted-foreground">Latency / first token</dt>
              <dd className="tabular-nums">{detail.latency_ms ?? '—'} ms / {detail.time_to_first_token_ms ?? '—'} ms</dd>
              <dt className="text-muted-foreground">Time</dt>
              <dd>{formatDateTime(detail.created_at)}</dd>
            </dl>
            <div className="grid gap-2">
              {detail.details_expired ? (
                <p data-testid="details-expired" className="rounded-md border border-dashed p-2 text-xs text-muted-foreground">
                  Payloads, IP address and user agent are kept {env.PAYLOAD_RETENTION_DAYS} days; this call&apos;s have been deleted. Its tokens and costs stay.
                </p>
              ) : null}
              {(detail.details_expired ? (['price_snapshot'] as const) : (['price_snapshot', 'request_payload', 'response_payload'] as const)).map((k) => (
                <details key={k} className="rounded-md border p-2">
                  <summary className="cursor-pointer text-xs font-medium">{k.replace('_', ' ')}</summary>
                  <pre className="mt-2 max-h-64 overflow-auto whitespace-pre-wrap break-all text-xs">{JSON.stringify(detail[k], null, 2)}</pre>
                </details>
              ))}
            </div>
          </CardContent>
        </Card>
      ) : null}

      {!parsed.success ? (
        <p role="alert" className="text-sm text-destructive">
          {parsed.error.issues[0].path.join('.')}: {parsed.error.issues[0].message}
        </p>
      ) : (
        <ActivityTable userId={user.id} query={parsed.data} filterQuery={filterQuery} />
      )}
    </div>
  )
}

async function ActivityTable({ userId, query, filterQuery }: { userId: string; query: ReturnType<typeof HistoryQuerySchema.parse>; filterQuery: string }) {
  const after = query.cursor ? decodeCursor(query.cursor) : null
  const page = await listUsageHistory(userId, query, after)
  if (page.data.length === 0)
    return <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground">No calls match these filters. Clear them, or make a call from the Studio.</p>
  return (
    <Card>
      <CardContent>
        <Table data-testid="activity-table">
          <TableHeader>
            <TableRow>
              <TableHead>Time</TableHead>
              <TableHead>Service</TableHead>
              <TableHead>Model</TableHead>
              <TableHead>Provider</TableHead>
              <TableHead className="text-right">Tokens</TableHead>
              <TableHead className="text-right">Cost</TableHead>
              <TableHead>Status</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.data.map((r) => (
              <TableRow key={r.id}>
                <TableCell className="whitespace-nowrap text-xs">
                  <Link className="underline-offset-4 hover:underline" href={`/settings/activity?${filterQuery}${filterQuery ? '&' : ''}detail=${r.id}`}>
                    {formatDateTime(r.created_at)}
                  </Link>
                </TableCell>
                <TableCell className="capitalize">{r.service_type}</TableCell>
                <TableCell className="font-mono text-xs">{r.model}</TableCell>
                <TableCell>{r.provider}</TableCell>
                <TableCell className="text-right tabular-nums">{r.input_tokens + r.output_tokens || (r.images_generated ? `${r.images_generated} img` : r.video_seconds ? `${r.video_seconds} s` : 0)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatMoney(r.total_cost)}</TableCell>
                <TableCell>
                  <Badge variant={r.status === 'success' ? 'success' : r.status === 'client_aborted' ? 'secondary' : 'destructive'}>{r.status.replace('_', ' ')}</Badge>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <div className="mt-4 flex justify-between">
          {query.cursor ? (
            <Button variant="outline" asChild>
              <Link href={`/settings/activity?${filterQuery}`}>Newest</Link>
            </Button>
          ) : (
            <span />
          )}
          {page.next_cursor ? (
            <Button variant="outline" asChild>
              <Link href={`/settings/activity?${filterQuery}${filterQuery ? '&' : ''}cursor=${page.next_cursor}`}>Older</Link>
            </Button>
          ) : null}
        </div>
      </CardContent>
    </Card>
  )
}
