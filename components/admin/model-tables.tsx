// The Models page's read-only tables (server-rendered): served models with their effective
// prices, usage by model and provider, and calls no price covered.
import { Badge } from '@/components/ui/badge'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { PriceLine, ServedModelWithUsage, UnpricedCalls } from '@/lib/admin/models'
import type { ModelUsage } from '@/lib/admin/reports/models'
import { formatCount, formatMoney } from '@/lib/format'

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : null)

function PriceCell({ line }: { line: PriceLine }) {
  const dates = line.origin === 'override' ? `${day(line.from)} … ${day(line.to) ?? 'open'}` : line.from ? `since ${day(line.from)}` : null
  return (
    <li className="flex flex-wrap items-baseline gap-x-2">
      <span className="font-mono text-xs text-muted-foreground">
        {line.unit}
        {line.variant ? `:${line.variant}` : ''}
      </span>
      <span className="tabular-nums">{line.price}</span>
      {line.origin === 'override' ? <Badge variant="warning">override</Badge> : null}
      <span className="text-xs text-muted-foreground" title={line.source ?? undefined}>
        {[line.origin === 'override' ? line.source : 'catalog', dates].filter(Boolean).join(' · ')}
      </span>
    </li>
  )
}

export function ServedModelsTable({ models }: { models: ServedModelWithUsage[] }) {
  return (
    <Table aria-label="Served models">
      <TableHeader>
        <TableRow>
          <TableHead>Model</TableHead>
          <TableHead>Provider</TableHead>
          <TableHead>Effective price (USD per unit)</TableHead>
          <TableHead className="text-right">Calls</TableHead>
          <TableHead className="text-right">Cost</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {models.map((m) => (
          <TableRow key={`${m.provider}/${m.id}`}>
            <TableCell className="align-top font-mono text-xs">{m.id}</TableCell>
            <TableCell className="align-top text-xs">
              {m.provider}
              {m.servedBy !== m.provider ? <span className="text-muted-foreground"> (served by {m.servedBy})</span> : null}
            </TableCell>
            <TableCell className="align-top">
              {m.prices.length ? <ul className="grid gap-0.5 text-sm">{m.prices.map((p) => <PriceCell key={`${p.unit}:${p.variant}`} line={p} />)}</ul> : <span className="text-sm text-muted-foreground">no price (calls are recorded unpriced)</span>}
            </TableCell>
            <TableCell className="text-right align-top tabular-nums">{formatCount(m.calls)}</TableCell>
            <TableCell className="text-right align-top tabular-nums">{formatMoney(m.cost)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}

export function ModelUsageTable({ usage, label }: { usage: (ModelUsage | UnpricedCalls)[]; label: string }) {
  return (
    <Table aria-label={label}>
      <TableHeader>
        <TableRow>
          <TableHead>Model</TableHead>
          <TableHead>Provider</TableHead>
          <TableHead className="text-right">Calls</TableHead>
          <TableHead className="text-right">Errors</TableHead>
          <TableHead className="text-right">Cost</TableHead>
          <TableHead className="text-right">Unpriced</TableHead>
          <TableHead className="text-right">Estimated</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {usage.map((u) => (
          <TableRow key={`${u.provider}/${u.model}`}>
            <TableCell className="font-mono text-xs">
              {u.model} {'unknown' in u && u.unknown ? <Badge variant="destructive">not served</Badge> : null}
            </TableCell>
            <TableCell className="text-xs">{u.provider}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(u.calls)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(u.errors)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatMoney(u.cost)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(u.unpriced)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(u.estimated)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}
