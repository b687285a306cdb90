// GET /admin/models — what the deployment serves, each model's effective price and where it comes
// from, calls and cost by model and provider, unpriced calls, and the operator's price overrides.
import type { Metadata } from 'next'
import Link from 'next/link'
import { createOverrideAction, endOverrideAction } from '@/app/(admin)/admin/models/actions'
import { ModelUsageTable, ServedModelsTable } from '@/components/admin/model-tables'
import { CreateOverrideForm, OverrideList } from '@/components/admin/price-overrides'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Input } from '@/components/ui/input'
import { getModelsReport } from '@/lib/admin/models'
import { listOverrides } from '@/lib/admin/price-overrides'
import { PERIOD_LABELS, PERIODS, PeriodSchema, rangeFor } from '@/lib/admin/reports/range'
import { requireOperator } from '@/lib/admin/session'
import { PRICE_CACHE_MS } from '@/lib/pricing/model-prices'
import { cn } from '@/lib/utils'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Models — Console' }

export default async function ModelsPage({ searchParams }: PageProps<'/admin/models'>) {
  await requireOperator()
  const params = await searchParams
  const period = PeriodSchema.catch('month').parse(params.period)
  const q = typeof params.q === 'string' ? params.q.slice(0, 100) : ''
  const overrides = await listOverrides()
  const report = await getModelsReport(rangeFor(period), { q, sources: new Map(overrides.map((o) => [o.id, o.source])) })
  const href = (p: string) => `/admin/models?${new URLSearchParams({ period: p, ...(q ? { q } : {}) })}`
  return (
    <div className="grid gap-6">
      <PageTitle title="Models and prices" />
      <nav aria-label="Period" className="flex flex-wrap gap-2 text-sm">
        {PERIODS.map((p) => (
          <Link key={p} href={href(p)} aria-current={p === period ? 'page' : undefined} className={cn('rounded-md border px-3 py-1', p === period ? 'bg-primary text-primary-foreground' : 'hover:bg-accent')}>
            {PERIOD_LABELS[p]}
          </Link>
        ))}
      </nav>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Calls no price covered</CardTitle>
          <CardDescription>Unpriced calls are recorded with no cost; estimated ones were priced from estimated token counts. Add an override below to price a model from a date on.</CardDescription>
        </CardHeader>
        <CardContent>
          {report.unpriced.length ? <ModelUsageTable usage={report.unpriced} label="Unpriced and estimated calls" /> : <p className="text-sm text-muted-foreground">None in this period.</p>}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Served models</CardTitle>
          <CardDescription>
            Every model this deployment routes now, with the price the gateway charges: the bundled catalog&apos;s, or an override in force. {report.matching > report.models.length ? `Showing ${report.models.length} of ${report.matching}; search to narrow.` : `${report.matching} models.`}
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3">
          <form className="flex gap-2" role="search">
            <input type="hidden" name="period" value={period} />
            <Input name="q" defaultValue={q} placeholder="Search model or provider" aria-label="Search models" className="max-w-sm" />
          </form>
          <ServedModelsTable models={report.models} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Calls and cost by model and provider</CardTitle>
          <CardDescription>From the daily rollups, for {PERIOD_LABELS[period].toLowerCase()} (UTC days).</CardDescription>
        </CardHeader>
        <CardContent>{report.usage.length ? <ModelUsageTable usage={report.usage} label="Usage by model and provider" /> : <p className="text-sm text-muted-foreground">No calls in this period.</p>}</CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Price overrides</CardTitle>
          <CardDescription>
            An override wins over the catalog while in force. Two overrides of one model, unit and variant may not overlap. This server charges a change at once; other instances within {PRICE_CACHE_MS / 1000} seconds.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <CreateOverrideForm action={createOverrideAction} />
          <OverrideList overrides={overrides} endAction={endOverrideAction} />
        </CardContent>
      </Card>
    </div>
  )
}
