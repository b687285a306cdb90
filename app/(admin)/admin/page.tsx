// GET /admin?period=month|7d|30d|90d — the Overview: cost, revenue, margin, calls, errors and
// latency for the period, by day; top users; unpriced calls; alerts. Read from the rollups.
import type { Metadata } from 'next'
import { CallsChart, MoneyChart } from '@/components/admin/overview-charts'
import { PeriodChooser, RaisedAlerts, Section, StatCards, TopUsers, UnpricedModels } from '@/components/admin/overview-panels'
import { overview } from '@/lib/admin/reports/overview'
import { PERIOD_LABELS, PeriodSchema, rangeFor } from '@/lib/admin/reports/range'
import { requireOperator } from '@/lib/admin/session'

export const metadata: Metadata = { title: 'Overview — Console' }

export default async function OverviewPage({ searchParams }: PageProps<'/admin'>) {
  await requireOperator()
  const parsed = PeriodSchema.safeParse((await searchParams).period)
  const period = parsed.success ? parsed.data : 'month'
  const o = await overview(rangeFor(period))
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Overview</h1>
          <p className="text-sm text-muted-foreground">
            {PERIOD_LABELS[period]}: {o.range.from} to {o.range.days.at(-1)} (UTC days).
            {!parsed.success && ` ${parsed.error.issues[0].message}; showing ${PERIOD_LABELS[period].toLowerCase()}.`}
          </p>
        </div>
        <PeriodChooser current={period} base="/admin" />
      </div>
      <StatCards o={o} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Cost and revenue by day" description="Revenue: Stripe's amounts where known, otherwise active paid plans accrued per day.">
          <MoneyChart days={o.days} />
        </Section>
        <Section title="Calls by day" description="Errors, refusals and p95 latency.">
          <CallsChart days={o.days} />
        </Section>
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Top users by cost">
          <TopUsers users={o.topUsers} />
        </Section>
        <Section title="Unpriced and estimated calls" description="Unpriced: no price was known (cost counted as 0). Estimated: priced from estimated tokens.">
          <UnpricedModels rows={o.unpriced} />
        </Section>
      </div>
      <Section title="Alerts raised" description="Quota and budget thresholds users reached in the period.">
        <RaisedAlerts alerts={o.alerts} />
      </Section>
    </div>
  )
}
