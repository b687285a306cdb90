import Link from 'next/link'
import type { ReactNode } from 'react'
import { Bell, Sparkles } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import { AcknowledgeAlertButton, AlertWebhookForm } from '@/components/settings/usage-alerts'
import { CostCards } from '@/components/usage/cost-cards'
import { LiveUsage } from '@/components/usage/live-usage'
import { DailyChart, ModelChart } from '@/components/usage/usage-charts'
import { UsageCards } from '@/components/usage/usage-cards'
import type { ActionResult } from '@/lib/actions'
import { formatDate, formatDateTime, formatMoney } from '@/lib/format'
import type { UsageDashboard } from '@/lib/usage/dashboard'

// The Settings → Usage & Costs tab, shared by the user's own page (/settings/usage, with its
// forms and live updates) and the console's "act as support" view (/admin/users/[id]/usage):
// without `actions` it is read only (no forms, no live stream of the operator's own events, no
// links into the operator's own settings), so support sees what the user sees and can change nothing.

const DEMO_NOTICE = '🎉 Demo Mode: You have unlimited access to all features. Usage tracking is enabled for analytics purposes.'
const STATUS_LABEL: Record<string, string> = { past_due: 'past due', unpaid: 'unpaid', incomplete: 'incomplete (its first payment has not gone through)', paused: 'paused', canceled: 'canceled' }

/** The user's own forms on the tab (server actions of /settings/usage). */
export type UsageTabActions = {
  acknowledge: (id: string) => Promise<ActionResult>
  saveWebhook: (previous: ActionResult<{ url: string }> | null, form: FormData) => Promise<ActionResult<{ url: string }>>
  removeWebhook: () => Promise<ActionResult>
}

function MaybeLink({ live, href, className, children }: { live: boolean; href: string; className?: string; children: ReactNode }) {
  return live ? <Link href={href} className={className}>{children}</Link> : <span className={className}>{children}</span>
}

export function UsageTab({ dashboard, webhook, actions }: { dashboard: UsageDashboard; webhook: { url: string | null; secret: string | null }; actions?: UsageTabActions }) {
  const { summary, planDescription, daily, byModel, recent, forecasts } = dashboard
  const hasCalls = summary.calls.lifetime > 0
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      {summary.plan?.type === 'demo' ? (
        <p data-testid="demo-notice" className="rounded-lg border border-primary/20 bg-primary/5 px-4 py-3 text-sm">
          {DEMO_NOTICE}
        </p>
      ) : null}
      {summary.plan?.held_by ? (
        <p data-testid="held-notice" role="status" className="rounded-lg border border-destructive/30 bg-destructive/5 px-4 py-3 text-sm">
          Your {summary.plan.name} subscription is {STATUS_LABEL[summary.plan.held_by] ?? summary.plan.held_by}, so the Free plan&apos;s limits apply until it is paid. The
          limits below are the ones your calls get.{' '}
          <MaybeLink live={Boolean(actions)} className="font-medium underline underline-offset-4" href="/settings/account">
            Manage billing
          </MaybeLink>
        </p>
      ) : summary.plan?.status === 'past_due' && summary.plan.grace_ends_at ? (
        <p data-testid="grace-notice" role="status" className="rounded-lg border border-warning/40 bg-warning/10 px-4 py-3 text-sm">
          Your last payment failed. Your {summary.plan.name} limits stay until {formatDate(summary.plan.grace_ends_at)}; after that the Free plan&apos;s limits apply until it is
          paid.{' '}
          <MaybeLink live={Boolean(actions)} className="font-medium underline underline-offset-4" href="/settings/account">
            Manage billing
          </MaybeLink>
        </p>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle className="flex flex-wrap items-center gap-2">
            {summary.plan?.name ?? 'No plan'}
            {summary.plan ? <Badge variant="secondary">{summary.plan.status}</Badge> : null}
            {summary.plan && summary.plan.enforcement_mode !== 'off' ? <Badge variant="outline">{summary.plan.enforcement_mode} limits</Badge> : null}
            {actions ? (
              <span className="ml-auto">
                <LiveUsage />
              </span>
            ) : null}
          </CardTitle>
          <CardDescription>
            {planDescription}
            {summary.period ? ` Current period: ${formatDate(summary.period.start)} – ${formatDate(summary.period.end)}.` : ''}
          </CardDescription>
        </CardHeader>
      </Card>

      {summary.services ? <UsageCards services={summary.services} other={summary.other_services ?? {}} /> : null}

      <CostCards summary={summary} forecasts={forecasts} />

      <Card data-testid="alerts">
        <CardHeader>
          <CardTitle className="flex items-center gap-2 text-base">
            <Bell className="size-4" aria-hidden /> Alerts
          </CardTitle>
          <CardDescription>
            At 50, 80 and 100 % of a limit or the budget, once per period{summary.plan?.type === 'demo' ? ' (not on the Demo plan, which is tracked only)' : ''}.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          {summary.alerts.length === 0 ? (
            <p className="text-sm text-muted-foreground">No alerts this period.</p>
          ) : (
            <ul className="grid gap-2" aria-label="Alerts this period">
              {summary.alerts.map((a) => (
                <li key={a.id} data-testid="alert" data-acknowledged={a.acknowledged} className={a.acknowledged ? 'flex flex-wrap items-center gap-2 text-sm text-muted-foreground' : 'flex flex-wrap items-center gap-2 text-sm'}>
                  <Badge variant={a.acknowledged ? 'outline' : a.threshold_percent >= 100 ? 'destructive' : a.threshold_percent >= 80 ? 'warning' : 'secondary'}>{a.threshold_percent}%</Badge>
                  {a.message}
                  <span className="text-xs text-muted-foreground">{formatDateTime(a.created_at)}</span>
                  {a.acknowledged ? (
                    <span className="ml-auto text-xs">Acknowledged</span>
                  ) : actions ? (
                    <AcknowledgeAlertButton alertId={a.id} label={a.message} action={actions.acknowledge} />
                  ) : (
                    <span className="ml-auto text-xs">Not acknowledged</span>
                  )}
                </li>
              ))}
            </ul>
          )}
          {actions ? (
            <AlertWebhookForm url={webhook.url} secret={webhook.secret} saveAction={actions.saveWebhook} removeAction={actions.removeWebhook} />
          ) : (
            <p className="text-sm text-muted-foreground">Alert webhook: {webhook.url ?? 'none'}</p>
          )}
        </CardContent>
      </Card>

      {hasCalls ? (
        <div className="grid gap-4 lg:grid-cols-2 [&>*]:min-w-0">
          <Card>
            <CardHeader>
              <CardTitle className="text-base">Daily cost, last 30 days</CardTitle>
              <CardDescription>Stacked by service</CardDescription>
            </CardHeader>
            <CardContent>
              <DailyChart data={daily} metric="cost" />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle className="text-base">Daily calls, last 30 days</CardTitle>
              <CardDescription>Stacked by service</CardDescription>
            </CardHeader>
            <CardContent>
              <DailyChart data={daily} metric="calls" />
            </CardContent>
          </Card>
          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle className="text-base">Cost by model, last 30 days</CardTitle>
              <CardDescription>Provider “simulator” marks calls served offline, priced as the real model</CardDescription>
            </CardHeader>
            <CardContent>
              <ModelChart data={byModel} />
            </CardContent>
          </Card>
        </div>
      ) : (
        <Card>
          <CardContent className="flex flex-col items-start gap-3 py-6 text-sm text-muted-foreground sm:flex-row sm:items-center">
            <Sparkles className="size-5 text-primary" aria-hidden />
            No calls yet. Generate something in the Studio, or call the API with a key from Security, and your costs appear here.
            <MaybeLink live={Boolean(actions)} href="/studio" className="font-medium text-foreground underline-offset-4 hover:underline">
              Open Studio
            </MaybeLink>
          </CardContent>
        </Card>
      )}

      <Card>
        <CardHeader>
          <CardTitle className="text-base">Recent activity</CardTitle>
          <CardDescription>
            The last 10 calls. <MaybeLink live={Boolean(actions)} className="underline underline-offset-4" href="/settings/activity">See all activity</MaybeLink>
          </CardDescription>
        </CardHeader>
        <CardContent>
          {recent.length === 0 ? (
            <p className="text-sm text-muted-foreground">Nothing yet.</p>
          ) : (
            <Table data-testid="recent-activity">
              <TableHeader>
                <TableRow>
                  <TableHead>Service</TableHead>
                  <TableHead>Provider</TableHead>
                  <TableHead>Model</TableHead>
                  <TableHead className="text-right">Cost</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Time</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {recent.map((r) => (
                  <TableRow key={r.id}>
                    <TableCell className="capitalize">{r.service_type}</TableCell>
                    <TableCell>{r.provider}</TableCell>
                    <TableCell className="font-mono text-xs">{r.model}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatMoney(r.total_cost)}</TableCell>
                    <TableCell>
                      <Badge variant={r.status === 'success' ? 'success' : r.status === 'client_aborted' ? 'secondary' : 'destructive'}>{r.status.replace('_', ' ')}</Badge>
                    </TableCell>
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
