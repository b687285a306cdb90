import Link from 'next/link'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { Overview } from '@/lib/admin/reports/overview'
import { PERIOD_LABELS, PERIODS, type Period } from '@/lib/admin/reports/range'
import { formatCount, formatDateTime, formatMoney } from '@/lib/format'
import { cn } from '@/lib/utils'

// The Overview's parts, server-rendered: period links, stat cards and tables. Charts are in
// overview-charts.tsx (client: recharts draws in the browser).

export const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.001 && rate > 0 ? 3 : 1)} %`)
export const ms = (v: number | null) => (v === null ? '—' : `${formatCount(v)} ms`)

export function PeriodChooser({ current, base }: { current: Period; base: string }) {
  return (
    <nav aria-label="Period" className="flex flex-wrap gap-1">
      {PERIODS.map((p) => (
        <Link
          key={p}
          href={`${base}?period=${p}`}
          aria-current={p === current ? 'page' : undefined}
          className={cn('rounded-md border px-3 py-1.5 text-sm text-muted-foreground hover:bg-accent', p === current && 'bg-accent font-medium text-foreground')}
        >
          {PERIOD_LABELS[p]}
        </Link>
      ))}
    </nav>
  )
}

export function StatCards({ o }: { o: Overview }) {
  const t = o.total
  const cards = [
    { label: 'Revenue', value: formatMoney(t.revenue), note: `${formatMoney(o.revenueSources.invoiced)} from Stripe, ${formatMoney(o.revenueSources.accrued)} accrued from plan prices` },
    { label: 'Provider cost', value: formatMoney(t.cost), note: 'What the calls cost at provider prices' },
    { label: 'Margin', value: formatMoney(t.margin), note: t.revenue !== '0' ? `${percent(Number(t.margin) / Number(t.revenue))} of revenue` : 'No revenue in the period' },
    { label: 'Calls', value: formatCount(t.calls), note: `${formatCount(t.refused)} refused before a provider` },
    { label: 'Error rate', value: percent(t.errorRate), note: `${formatCount(t.errors)} failed calls` },
    { label: 'Latency', value: `${ms(t.p50)} / ${ms(t.p95)}`, note: 'p50 / p95 of calls that reached a provider' },
  ]
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {cards.map((c) => (
        <Card key={c.label}>
          <CardHeader className="pb-2">
            <CardDescription>{c.label}</CardDescription>
            <CardTitle className="text-2xl tabular-nums">{c.value}</CardTitle>
          </CardHeader>
          <CardContent className="text-xs text-muted-foreground">{c.note}</CardContent>
        </Card>
      ))}
    </div>
  )
}

export function TopUsers({ users }: { users: Overview['topUsers'] }) {
  if (users.length === 0) return <p className="text-sm text-muted-foreground">No calls in this period.</p>
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>User</TableHead>
          <TableHead>Plan</TableHead>
          <TableHead className="text-right">Calls</TableHead>
          <TableHead className="text-right">Cost</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {users.map((u) => (
          <TableRow key={u.userId}>
            <TableCell className="max-w-64 truncate">
              <Link href={`/admin/users/${u.userId}`} className="underline-offset-4 hover:underline">
                {u.email ?? `${u.userId} (deleted)`}
              </Link>
            </TableCell>
            <TableCell>{u.plan ?? '—'}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(u.calls)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatMoney(u.cost)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}

export function UnpricedModels({ rows }: { rows: Overview['unpriced'] }) {
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">Every call in this period had a known price.</p>
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Model</TableHead>
          <TableHead className="text-right">Unpriced</TableHead>
          <TableHead className="text-right">Estimated</TableHead>
          <TableHead className="text-right">All calls</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={`${r.provider}/${r.model}`}>
            <TableCell>
              {r.model} <span className="text-muted-foreground">· {r.provider}</span>
            </TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(r.unpriced)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(r.estimated)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(r.calls)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}

export function RaisedAlerts({ alerts }: { alerts: Overview['alerts'] }) {
  if (alerts.total === 0) return <p className="text-sm text-muted-foreground">No alerts were raised in this period.</p>
  return (
    <div className="grid gap-2">
      <ul className="grid gap-2 text-sm">
        {alerts.latest.map((a) => (
          <li key={a.id} className="flex flex-wrap items-baseline justify-between gap-x-4">
            <span>
              <Link href={`/admin/users/${a.userId}`} className="underline-offset-4 hover:underline">
                {a.email ?? a.userId}
              </Link>
              : {a.message}
            </span>
            <span className="text-xs text-muted-foreground">{formatDateTime(a.createdAt)}</span>
          </li>
        ))}
      </ul>
      {alerts.total > alerts.latest.length && <p className="text-xs text-muted-foreground">The latest {alerts.latest.length} of {formatCount(alerts.total)}.</p>}
    </div>
  )
}

export function Section({ title, description, children }: { title: string; description?: string; children: React.ReactNode }) {
  // A named region, so assistive technology (and the browser tests) can go straight to it.
  return (
    <section aria-label={title}>
      <Card className="h-full">
        <CardHeader>
          <CardTitle className="text-base">{title}</CardTitle>
          {description && <CardDescription>{description}</CardDescription>}
        </CardHeader>
        <CardContent>{children}</CardContent>
      </Card>
    </section>
  )
}
