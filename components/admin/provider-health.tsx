import { ms, percent } from '@/components/admin/overview-panels'
import { Badge } from '@/components/ui/badge'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { HealthWindow, ProviderHealth } from '@/lib/admin/reports/providers'
import { formatCount, formatDateTime } from '@/lib/format'

// Health per provider over two windows, side by side: calls, error rate, errors by code, p95
// and the newest error.

function codes(w: HealthWindow) {
  const entries = Object.entries(w.codes).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return <span className="text-muted-foreground">—</span>
  return (
    <div className="flex flex-wrap gap-1">
      {entries.map(([code, n]) => (
        <Badge key={code} variant="secondary" className="font-mono text-xs">
          {code} × {formatCount(n)}
        </Badge>
      ))}
    </div>
  )
}

export function ProviderHealthTable({ providers, window }: { providers: ProviderHealth[]; window: 'hour' | 'day' }) {
  if (providers.length === 0) return <p className="text-sm text-muted-foreground">No calls in the last day.</p>
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Provider</TableHead>
          <TableHead className="text-right">Calls</TableHead>
          <TableHead className="text-right">Error rate</TableHead>
          <TableHead>Unsuccessful calls by code</TableHead>
          <TableHead className="text-right">p95</TableHead>
          <TableHead>Last error</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {providers.map((p) => {
          const w = p[window]
          return (
            <TableRow key={p.provider}>
              <TableCell className="font-medium">{p.provider}</TableCell>
              <TableCell className="text-right tabular-nums">{formatCount(w.calls)}</TableCell>
              <TableCell className={`text-right tabular-nums ${(w.errorRate ?? 0) >= 0.05 ? 'text-destructive' : ''}`}>{percent(w.errorRate)}</TableCell>
              <TableCell>{codes(w)}</TableCell>
              <TableCell className="text-right tabular-nums">{ms(w.p95)}</TableCell>
              <TableCell className="max-w-80 text-xs">
                {w.lastError ? (
                  <>
                    <span className="break-words font-mono">{w.lastError}</span>
                    <br />
                    <span className="text-muted-foreground">{formatDateTime(w.lastErrorAt!)}</span>
                  </>
                ) : (
                  <span className="text-muted-foreground">—</span>
                )}
              </TableCell>
            </TableRow>
          )
        })}
      </TableBody>
    </Table>
  )
}
