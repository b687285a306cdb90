import { Badge } from '@/components/ui/badge'
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import type { UserDetail } from '@/lib/admin/user-detail'
import { formatDate, formatDateTime, formatMoney } from '@/lib/format'

const UNLIMITED = 999_999
const limitText = (n: number | null) => (n === null ? 'none' : n >= UNLIMITED ? '∞' : String(n))

/** The user's terms as admission applies them, with their ids here and at Stripe. */
export function UserSummary({ user, stripeCustomerUrl, stripeSubscriptionUrl }: { user: UserDetail; stripeCustomerUrl: string | null; stripeSubscriptionUrl: string | null }) {
  const sub = user.subscription
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2 text-base">
          {sub ? sub.plan_name : 'No subscription'}
          {sub ? <Badge variant={sub.status === 'active' ? 'secondary' : 'destructive'}>{sub.status}</Badge> : null}
          {sub ? <Badge variant="outline">enforcement {sub.enforcement_mode}</Badge> : null}
        </CardTitle>
      </CardHeader>
      <CardContent className="grid gap-4 text-sm">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1">
          <dt className="text-muted-foreground">User id</dt>
          <dd className="font-mono text-xs">{user.id}</dd>
          <dt className="text-muted-foreground">External id</dt>
          <dd className="font-mono text-xs">{user.external_id ?? '—'}</dd>
          <dt className="text-muted-foreground">Created</dt>
          <dd>{formatDateTime(user.created_at)}</dd>
          {sub ? (
            <>
              <dt className="text-muted-foreground">Period</dt>
              <dd>{formatDate(sub.period_start)} – {formatDate(sub.period_end)}</dd>
              <dt className="text-muted-foreground">Period cost</dt>
              <dd className="tabular-nums">{formatMoney(sub.period_cost)} of {sub.budget ? formatMoney(sub.budget) : 'no budget'}</dd>
              <dt className="text-muted-foreground">Stripe customer</dt>
              <dd>{stripeCustomerUrl ? <a className="font-mono text-xs underline" href={stripeCustomerUrl} target="_blank" rel="noreferrer">{sub.stripe_customer_id}</a> : '—'}</dd>
              <dt className="text-muted-foreground">Stripe subscription</dt>
              <dd>{stripeSubscriptionUrl ? <a className="font-mono text-xs underline" href={stripeSubscriptionUrl} target="_blank" rel="noreferrer">{sub.stripe_subscription_id}</a> : '—'}</dd>
            </>
          ) : null}
        </dl>
        {sub ? (
          <Table aria-label="Use and limits">
            <TableHeader>
              <TableRow>
                <TableHead>Service</TableHead>
                <TableHead className="text-right">Used / limit this period</TableHead>
                <TableHead className="text-right">Requests a minute</TableHead>
                <TableHead className="text-right">Tokens a minute</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {sub.services.map((s) => (
                <TableRow key={s.id}>
                  <TableCell className="capitalize">{s.id}</TableCell>
                  <TableCell className="text-right tabular-nums">{s.used} / {limitText(s.limit)}</TableCell>
                  <TableCell className="text-right tabular-nums">{s.requests_per_minute ?? '—'}</TableCell>
                  <TableCell className="text-right tabular-nums">{s.tokens_per_minute ?? 'no limit'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </CardContent>
    </Card>
  )
}

/** Their alerts and latest calls. */
export function UserActivity({ user }: { user: UserDetail }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Alerts</CardTitle>
        </CardHeader>
        <CardContent>
          {user.alerts.length === 0 ? (
            <p className="text-sm text-muted-foreground">No alerts.</p>
          ) : (
            <ul className="grid gap-2 text-sm" aria-label="Alerts">
              {user.alerts.map((a) => (
                <li key={a.id} className="flex flex-wrap items-center gap-2">
                  <Badge variant={a.threshold_percent >= 100 ? 'destructive' : a.threshold_percent >= 80 ? 'warning' : 'secondary'}>{a.threshold_percent}%</Badge>
                  {a.message}
                  <span className="text-xs text-muted-foreground">{formatDateTime(a.created_at)}{a.acknowledged ? ' · acknowledged' : ''}</span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Recent calls</CardTitle>
        </CardHeader>
        <CardContent>
          {user.recent.length === 0 ? (
            <p className="text-sm text-muted-foreground">No calls yet.</p>
          ) : (
            <Table aria-label="Recent calls">
              <TableHeader>
                <TableRow>
                  <TableHead>Service</TableHead>
                  <TableHead>Model</TableHead>
                  <TableHead className="text-right">Cost</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Time</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {user.recent.map((r) => (
                  <TableRow key={r.id}>
                    <TableCell className="capitalize">{r.service_type}</TableCell>
                    <TableCell className="font-mono text-xs">{r.provider}/{r.model}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatMoney(r.total_cost)}</TableCell>
                    <TableCell><Badge variant={r.status === 'success' ? 'success' : 'destructive'}>{r.status.replace('_', ' ')}</Badge></TableCell>
                    <TableCell className="whitespace-nowrap text-xs text-muted-foreground">{formatDateTime(r.created_at)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  )
}
