import Link from 'next/link'
import { Badge } from '@/components/ui/badge'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { PlanWithSubscribers } from '@/lib/admin/plans'
import type { Plan } from '@/lib/billing/plans'
import { formatCount, formatMoney } from '@/lib/format'

/** "$29.00 / month", "€290 / 12 months", "Free / year". */
export function planPrice(p: Pick<Plan, 'price' | 'currency' | 'periodMonths'>): string {
  const period = p.periodMonths === 1 ? 'month' : p.periodMonths === 12 ? 'year' : `${p.periodMonths} months`
  const amount = Number(p.price) === 0 ? 'Free' : p.currency === 'usd' ? formatMoney(p.price) : `${p.price} ${p.currency.toUpperCase()}`
  return `${amount} / ${period}`
}

function limits(p: Plan): string {
  const parts = [`${formatCount(p.limits.chat)} chat`, `${formatCount(p.limits.content)} content`, `${formatCount(p.limits.image)} image`, `${formatCount(p.limits.video)} video`]
  for (const [service, n] of Object.entries(p.serviceLimits)) if (n !== undefined) parts.push(`${formatCount(n)} ${service}`)
  return parts.join(' · ')
}

/** The Plans table: one row per plan, the seed's first, linking to its edit page. */
export function PlanTable({ plans }: { plans: PlanWithSubscribers[] }) {
  return (
    <Table aria-label="Plans">
      <TableHeader>
        <TableRow>
          <TableHead>Plan</TableHead>
          <TableHead>Price</TableHead>
          <TableHead>Limits per period</TableHead>
          <TableHead>Budget</TableHead>
          <TableHead>Rates</TableHead>
          <TableHead>Enforcement</TableHead>
          <TableHead className="text-right">Subscribers</TableHead>
          <TableHead className="sr-only">Edit</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {plans.map((p) => (
          <TableRow key={p.id}>
            <TableCell>
              <div className="font-medium">{p.name}</div>
              <div className="font-mono text-xs text-muted-foreground">{p.id}</div>
            </TableCell>
            <TableCell className="whitespace-nowrap">
              {planPrice(p)}
              {p.stripePriceId ? <div className="font-mono text-xs text-muted-foreground">{p.stripePriceId}</div> : null}
            </TableCell>
            <TableCell className="text-xs">{limits(p)}</TableCell>
            <TableCell>{p.monthlyBudget === null ? 'None' : formatMoney(p.monthlyBudget)}</TableCell>
            <TableCell className="whitespace-nowrap text-xs">
              {formatCount(p.requestsPerMinute)} req/min
              <br />
              {p.tokensPerMinute === null ? 'no token limit' : `${formatCount(p.tokensPerMinute)} tokens/min`}
            </TableCell>
            <TableCell>
              <Badge variant={p.enforcement === 'hard' ? 'default' : 'secondary'}>{p.enforcement}</Badge>
            </TableCell>
            <TableCell className="text-right tabular-nums">{formatCount(p.subscribers)}</TableCell>
            <TableCell className="text-right">
              <Link href={`/admin/plans/${p.id}`} className="text-sm underline underline-offset-4" aria-label={`Edit ${p.name}`}>
                Edit
              </Link>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}
