import Link from 'next/link'
import { ArrowDown, ArrowUp } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { UserListRow, UserSort } from '@/lib/admin/user-list'
import { formatDateTime, formatMoney } from '@/lib/format'
import { SERVICES } from '@/lib/services'

type Order = { q?: string; sort: UserSort; dir: 'asc' | 'desc' }

/** The /admin/users URL for a search, an order and an optional cursor. */
export function usersHref(order: Order, cursor?: { after?: string; before?: string }): string {
  const params = new URLSearchParams()
  if (order.q) params.set('q', order.q)
  params.set('sort', order.sort)
  params.set('dir', order.dir)
  if (cursor?.after) params.set('after', cursor.after)
  if (cursor?.before) params.set('before', cursor.before)
  return `/admin/users?${params}`
}

const COLUMNS: { label: string; sort?: UserSort; className?: string }[] = [
  { label: 'Email', sort: 'email' },
  { label: 'Plan', sort: 'plan' },
  { label: 'Status' },
  { label: 'Period use' },
  { label: 'Period cost', sort: 'period_cost', className: 'text-right' },
  { label: 'Budget', className: 'text-right' },
  { label: 'Last call', sort: 'last_call' },
  { label: 'Created', sort: 'created' },
]

const UNLIMITED = 999_999

/** The users table: sort headers (a second click turns the order round), one row per user. */
export function UserTable({ rows, order }: { rows: UserListRow[]; order: Order }) {
  return (
    <Table aria-label="Users">
      <TableHeader>
        <TableRow>
          {COLUMNS.map((c) => {
            const active = c.sort === order.sort
            return (
              <TableHead key={c.label} className={c.className} aria-sort={active ? (order.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                {c.sort ? (
                  <Link className="inline-flex items-center gap-1 hover:underline" href={usersHref({ q: order.q, sort: c.sort, dir: active && order.dir === 'desc' ? 'asc' : 'desc' })}>
                    {c.label}
                    {active ? order.dir === 'asc' ? <ArrowUp className="size-3" aria-hidden /> : <ArrowDown className="size-3" aria-hidden /> : null}
                  </Link>
                ) : (
                  c.label
                )}
              </TableHead>
            )
          })}
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((u) => (
          <TableRow key={u.id}>
            <TableCell>
              <Link className="font-medium underline-offset-4 hover:underline" href={`/admin/users/${u.id}`}>
                {u.email ?? u.external_id ?? u.id}
              </Link>
              {u.external_id && u.email ? <div className="font-mono text-xs text-muted-foreground">{u.external_id}</div> : null}
            </TableCell>
            <TableCell className="capitalize">{u.plan ?? '—'}</TableCell>
            <TableCell>{u.status ? <Badge variant={u.status === 'active' ? 'secondary' : 'destructive'}>{u.status.replace('_', ' ')}</Badge> : '—'}</TableCell>
            <TableCell className="text-xs tabular-nums">
              {u.services
                ? SERVICES.map((s) => (
                    <div key={s.id}>
                      {s.label}: {u.services![s.id].used}/{u.services![s.id].limit >= UNLIMITED ? '∞' : u.services![s.id].limit}
                    </div>
                  ))
                : '—'}
            </TableCell>
            <TableCell className="text-right tabular-nums">{u.period_cost === null ? '—' : formatMoney(u.period_cost)}</TableCell>
            <TableCell className="text-right tabular-nums">{u.budget === null ? 'None' : formatMoney(u.budget)}</TableCell>
            <TableCell className="whitespace-nowrap text-xs">{u.last_call ? formatDateTime(u.last_call) : 'Never'}</TableCell>
            <TableCell className="whitespace-nowrap text-xs">{formatDateTime(u.created_at)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}
