import 'server-only'
import { withOperatorRead } from '@/lib/admin/db'
import { addHistograms, percentile } from '@/lib/admin/histogram'
import type { ReportRange } from '@/lib/admin/reports/range'
import { revenueByDay } from '@/lib/admin/reports/revenue'
import { topUsers as readTopUsers, type TopUserRow } from '@/lib/admin/reports/top-users'
import { formatUsd, parseUsd } from '@/lib/pricing/money'

// The Overview's numbers for a range of UTC days, read from the console rollups (never from
// api_usage, which is too large to scan per page view): console_model_days for calls, cost,
// errors and latency; console_user_months/days for top users (top-users.ts); usage_alerts by its created_at index;
// revenue from plan prices and Stripe invoices (revenue.ts). Money as exact decimal strings.

export type Stats = {
  calls: number
  /** Calls refused before a provider (rate limited, over a limit): not in the error rate. */
  refused: number
  errors: number
  /** errors ÷ calls that reached a provider; null without any. */
  errorRate: number | null
  cost: string
  revenue: string
  /** revenue − cost. */
  margin: string
  /** Latency of calls that reached a provider, from the rollups' histograms (±25 %). */
  p50: number | null
  p95: number | null
}
export type DayStats = Stats & { day: string }
export type TopUser = TopUserRow
export type UnpricedModel = { provider: string; model: string; calls: number; unpriced: number; estimated: number }
export type RaisedAlert = { id: string; userId: string; email: string | null; alertType: string; serviceType: string | null; threshold: number; message: string; createdAt: string }
export type Overview = {
  range: ReportRange
  total: Stats
  days: DayStats[]
  /** Where revenue came from over the range: Stripe invoices, and plan price accrual. */
  revenueSources: { invoiced: string; accrued: string }
  topUsers: TopUser[]
  unpriced: UnpricedModel[]
  alerts: { total: number; latest: RaisedAlert[] }
}

type DayRow = { day: string; calls: number; refused: number; errors: number; cost: string; hist: number[] }

const usd = (s: string | null | undefined) => parseUsd(s ?? '0')

function stats(rows: DayRow[], revenue: bigint): Stats {
  const calls = rows.reduce((a, r) => a + r.calls, 0)
  const refused = rows.reduce((a, r) => a + r.refused, 0)
  const errors = rows.reduce((a, r) => a + r.errors, 0)
  const cost = rows.reduce((a, r) => a + usd(r.cost), 0n)
  const hist = addHistograms(rows.map((r) => r.hist))
  const reached = calls - refused
  return {
    calls,
    refused,
    errors,
    errorRate: reached > 0 ? errors / reached : null,
    cost: formatUsd(cost),
    revenue: formatUsd(revenue),
    margin: formatUsd(revenue - cost),
    p50: percentile(hist, 50),
    p95: percentile(hist, 95),
  }
}

/** Everything the Overview page shows for `range`. */
export async function overview(range: ReportRange, opts: { topUsers?: number; alerts?: number } = {}): Promise<Overview> {
  const { from, to } = range
  // Independent reads in parallel, each its own read-only transaction: the page waits for the
  // slowest, not the sum.
  const [dayRows, revenue, topUsers, unpriced, alerts] = await Promise.all([
    withOperatorRead((tx) =>
      tx.$queryRaw<DayRow[]>`
        with m as (select * from public.console_model_days where day >= ${from}::date and day < ${to}::date),
        h as (
          select day, array_agg(n order by i)::float8[] as hist
            from (select m.day, u.i, sum(u.n) as n from m cross join lateral unnest(m.latency_hist) with ordinality as u(n, i) group by 1, 2) x
           group by day
        )
        select to_char(t.day, 'YYYY-MM-DD') as day, t.calls, t.refused, t.errors, t.cost, h.hist
          from (select day, sum(calls)::float8 as calls, sum(refused)::float8 as refused, sum(errors)::float8 as errors, sum(cost)::text as cost
                  from m group by day) t
          join h using (day)`,
    ),
    withOperatorRead((tx) => revenueByDay(tx, range)),
    withOperatorRead((tx) => readTopUsers(tx, range, opts.topUsers ?? 10)),
    withOperatorRead((tx) =>
      tx.$queryRaw<UnpricedModel[]>`
        select provider, model, sum(calls)::float8 as calls, sum(unpriced)::float8 as unpriced, sum(estimated)::float8 as estimated
          from public.console_model_days where day >= ${from}::date and day < ${to}::date
         group by provider, model having sum(unpriced) + sum(estimated) > 0
         order by sum(unpriced) + sum(estimated) desc, provider, model limit 50`,
    ),
    withOperatorRead(async (tx) => {
      const [{ total }] = await tx.$queryRaw<{ total: number }[]>`
        select count(*)::float8 as total from public.usage_alerts where created_at >= ${from}::date::timestamptz and created_at < ${to}::date::timestamptz`
      const latest = await tx.$queryRaw<RaisedAlert[]>`
        select a.id::text, a.user_id::text as "userId", u.email, a.alert_type as "alertType", a.service_type as "serviceType",
               a.threshold_percent as threshold, a.message, to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "createdAt"
          from public.usage_alerts a left join auth.users u on u.id = a.user_id
         where a.created_at >= ${from}::date::timestamptz and a.created_at < ${to}::date::timestamptz
         order by a.created_at desc, a.id limit ${opts.alerts ?? 20}`
      return { total, latest }
    }),
  ])

  const byDay = new Map(dayRows.map((r) => [r.day, r]))
  const empty = (day: string): DayRow => ({ day, calls: 0, refused: 0, errors: 0, cost: '0', hist: [] })
  const revenueOf = new Map(revenue.map((r) => [r.day, r]))
  const days = range.days.map((day) => ({ day, ...stats([byDay.get(day) ?? empty(day)], usd(revenueOf.get(day)?.revenue)) }))
  const totalRevenue = revenue.reduce((a, r) => a + usd(r.revenue), 0n)
  return {
    range,
    total: stats(dayRows, totalRevenue),
    days,
    revenueSources: {
      invoiced: formatUsd(revenue.reduce((a, r) => a + usd(r.invoiced), 0n)),
      accrued: formatUsd(revenue.reduce((a, r) => a + usd(r.accrued), 0n)),
    },
    topUsers: topUsers.map((u) => ({ ...u, cost: formatUsd(usd(u.cost)) })),
    unpriced,
    alerts,
  }
}
