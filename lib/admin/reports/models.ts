import 'server-only'
import { withOperatorRead } from '@/lib/admin/db'
import { percentile } from '@/lib/admin/histogram'
import type { ReportRange } from '@/lib/admin/reports/range'
import { formatUsd, parseUsd } from '@/lib/pricing/money'

// Calls and cost by model and provider over a range of UTC days, from console_model_days
// (the Models page). Unpriced: no price was known, the call's cost is missing (counted as 0);
// estimated: the cost was computed from estimated token counts.

export type ModelUsage = {
  provider: string
  model: string
  calls: number
  errors: number
  cost: string
  unpriced: number
  estimated: number
  /** Latency of calls that reached the provider, from the rollup histogram (±25 %). */
  p95: number | null
}

/** One row per (provider, model) called in the range, most expensive first. */
export async function usageByModel(range: ReportRange): Promise<ModelUsage[]> {
  const rows = await withOperatorRead((tx) =>
    tx.$queryRaw<(Omit<ModelUsage, 'p95'> & { hist: number[] })[]>`
      with m as (select * from public.console_model_days where day >= ${range.from}::date and day < ${range.to}::date),
      h as (
        select provider, model, array_agg(n order by i)::float8[] as hist
          from (select m.provider, m.model, u.i, sum(u.n) as n
                  from m cross join lateral unnest(m.latency_hist) with ordinality as u(n, i) group by 1, 2, 3) x
         group by provider, model
      )
      select t.provider, t.model, t.calls, t.errors, t.cost, t.unpriced, t.estimated, h.hist
        from (select provider, model, sum(calls)::float8 as calls, sum(errors)::float8 as errors, sum(cost)::text as cost,
                     sum(unpriced)::float8 as unpriced, sum(estimated)::float8 as estimated
                from m group by provider, model) t
        join h using (provider, model)
       order by t.cost::numeric desc, t.calls desc, t.provider, t.model`,
  )
  return rows.map(({ hist, ...r }) => ({ ...r, cost: formatUsd(parseUsd(r.cost)), p95: percentile(hist, 95) }))
}
