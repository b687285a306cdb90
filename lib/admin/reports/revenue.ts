import 'server-only'
import type { OperatorTx } from '@/lib/admin/db'
import type { ReportRange } from '@/lib/admin/reports/range'

// Revenue per UTC day of a range, in USD, as a decimal string rounded to 1e-12.
//
// The rule: an active subscription on a plan with a price accrues that price per day of the
// range (price ÷ the days of the plan's period, the period starting on the first of that day's
// month, so a monthly plan accrues exactly its price over a calendar month), from the day the
// subscription was created. Where Stripe invoices are known for a user in the range (a paid
// invoice whose service period overlaps it), Stripe's amounts replace that user's accrual for
// the whole range: each invoice spread evenly over the days of its service period, counted on
// the days inside the range. Invoices of customers we cannot match to a user count as well.
// Only USD counts (plans.currency 'usd', invoices in usd): the console has no exchange rates.
// There is no plan history, so the accrual assumes the user's current plan and status held
// since the subscription was created; Stripe's amounts, where known, are exact.

/** plans.price arrives with the plans helper's migration; until then nothing accrues. */
let pricesKnown = false
async function hasPlanPrices(tx: OperatorTx): Promise<boolean> {
  if (pricesKnown) return true
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    select count(*)::int as n from information_schema.columns
     where table_schema = 'public' and table_name = 'plans' and column_name in ('price', 'currency')`
  pricesKnown = row.n === 2
  return pricesKnown
}

export type RevenueDay = { day: string; revenue: string; invoiced: string; accrued: string }

/** Revenue by day of the range (every day present), and which part came from Stripe. */
export async function revenueByDay(tx: OperatorTx, range: ReportRange): Promise<RevenueDay[]> {
  const withPrices = await hasPlanPrices(tx)
  // The accrual's subscriptions are grouped by plan and start day before meeting the days, so
  // the join is (plans × start days × days), not (users × days).
  const accrual = withPrices
    ? `, subs as (
         select s.plan_type, (s.created_at at time zone 'UTC')::date as since, count(*) as n
           from public.user_subscriptions s
          where s.status = 'active'
            and not exists (select 1 from invoiced i where i.user_id = s.user_id)
          group by 1, 2
       ), accrued as (
         select d.day, sum(s.n * p.price / ((date_trunc('month', d.day) + make_interval(months => p.period_months))::date
                                             - date_trunc('month', d.day)::date)) as amount
           from subs s
           join public.plans p on p.id = s.plan_type and p.price > 0 and coalesce(p.currency, 'usd') = 'usd'
           join days d on d.day >= s.since
          group by d.day
       )`
    : `, accrued as (select null::date as day, 0::numeric as amount where false)`
  return tx.$queryRawUnsafe<RevenueDay[]>(
    `with days as (
       select g::date as day from generate_series($1::date, $2::date - 1, interval '1 day') g
     ), invoiced as (
       select i.user_id, i.amount_paid, (i.period_start at time zone 'UTC')::date as first_day,
              greatest((i.period_end at time zone 'UTC')::date, (i.period_start at time zone 'UTC')::date + 1) as end_day
         from public.stripe_invoices i
        where i.currency = 'usd' and i.period_start < $2::date::timestamptz
          and greatest(i.period_end, i.period_start + interval '1 day') > $1::date::timestamptz
     ), paid as (
       select d.day, sum(i.amount_paid / 100.0 / (i.end_day - i.first_day)) as amount
         from invoiced i join days d on d.day >= i.first_day and d.day < i.end_day
        group by d.day
     )${accrual}
     select to_char(d.day, 'YYYY-MM-DD') as day,
            (round(coalesce(p.amount, 0), 12) + round(coalesce(a.amount, 0), 12))::text as revenue,
            round(coalesce(p.amount, 0), 12)::text as invoiced,
            round(coalesce(a.amount, 0), 12)::text as accrued
       from days d left join paid p using (day) left join accrued a using (day)
      order by d.day`,
    range.from,
    range.to,
  )
}
