import { AlertTriangle, TrendingUp } from 'lucide-react'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { formatDate, formatMoney } from '@/lib/format'
import { perService } from '@/lib/services'
import type { Forecast } from '@/lib/usage/dashboard'
import type { UsageSummary } from '@/lib/usage/summary'
import { cn } from '@/lib/utils'

const LIMIT_LABEL: Record<string, string> = {
  ...perService((s) => s.units.charAt(0).toUpperCase() + s.units.slice(1)),
  monthly_cost_budget: 'Monthly budget',
}

const monthName = (isoDate: string) => new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(isoDate))

/** Whether the plan period is exactly the calendar month the month figure covers. */
function periodIsThisMonth(summary: UsageSummary): boolean {
  if (!summary.period) return false
  const start = new Date(`${summary.cost.month_start}T00:00:00Z`)
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1))
  return Date.parse(summary.period.start) === start.getTime() && Date.parse(summary.period.end) === end.getTime()
}

/**
 * "This Month" (the calendar month, from the month rollups), the plan period's cost beside it
 * when the period is something else (Demo's year, a mid-month billing cycle), lifetime, and
 * the forecast. The budget belongs to the plan period, so its card carries it.
 */
export function CostCards({ summary, forecasts }: { summary: UsageSummary; forecasts: Forecast[] }) {
  const showPeriod = !periodIsThisMonth(summary)
  const budget = summary.cost.budget ? `of a ${formatMoney(summary.cost.budget)} budget` : 'No budget set'
  return (
    <div className={cn('grid gap-4 sm:grid-cols-2', showPeriod ? 'xl:grid-cols-4' : 'lg:grid-cols-3')}>
      <Card data-testid="cost-month">
        <CardHeader>
          <CardDescription>This Month</CardDescription>
          <CardTitle className="text-3xl tabular-nums">{formatMoney(summary.cost.month)}</CardTitle>
        </CardHeader>
        <CardContent className="text-xs text-muted-foreground">
          {monthName(summary.cost.month_start)}
          {showPeriod ? '' : ` · ${budget}`} · exact: ${summary.cost.month}
        </CardContent>
      </Card>
      {showPeriod ? (
        <Card data-testid="cost-period">
          <CardHeader>
            <CardDescription>This plan period</CardDescription>
            <CardTitle className="text-3xl tabular-nums">{formatMoney(summary.cost.period)}</CardTitle>
          </CardHeader>
          <CardContent className="text-xs text-muted-foreground">
            {summary.period ? `${formatDate(summary.period.start)} – ${formatDate(summary.period.end)} · ` : ''}
            {budget} · exact: ${summary.cost.period}
          </CardContent>
        </Card>
      ) : null}
      <Card data-testid="cost-lifetime">
        <CardHeader>
          <CardDescription>Lifetime cost</CardDescription>
          <CardTitle className="text-3xl tabular-nums">{formatMoney(summary.cost.lifetime)}</CardTitle>
        </CardHeader>
        <CardContent className="text-xs text-muted-foreground">
          {summary.calls.lifetime.toLocaleString('en-US')} calls
          {summary.cost.unpriced_calls ? ` · ${summary.cost.unpriced_calls} could not be priced` : ''}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardDescription className="flex items-center gap-2">
            <TrendingUp className="size-4" aria-hidden /> Forecast
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-2 text-sm">
          {forecasts.length === 0 ? (
            <p className="text-muted-foreground">At this pace, no limit runs out before the period ends.</p>
          ) : (
            forecasts.map((f) => (
              <p key={f.limit} data-testid="forecast" className="flex items-start gap-2">
                <AlertTriangle className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden />
                {LIMIT_LABEL[f.limit] ?? f.limit} run out around {formatDate(f.runs_out_at)}.
              </p>
            ))
          )}
        </CardContent>
      </Card>
    </div>
  )
}
