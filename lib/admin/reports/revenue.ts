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

export type RevenueDay = { day: string; revenue: string; invoiced: string; accrued: string }

/** Revenue by day of the range (every day present), and which part came from Stripe. */
export async function revenueByDay(tx: OperatorTx, range: ReportRange): Promise<RevenueDay[]> {
  // The accrual's subscriptions are counted by plan and start day, then run along the days:
  // (paid plans × days) rows, however many users there are.
  return tx.$queryRaw<RevenueDay[]>`with days as (
       select g::date as day from generate_series(${range.from}::date, ${range.to}::date - 1, interval '1 day') g
     ), invoiced as (
       select i.user_id, i.amount_paid, (i.period_start at time zone 'UTC')::date as first_day,
              greatest((i.period_end at time zone 'UTC')::date, (i.period_start at time zone 'UTC')::date + 1) as end_day
         from public.stripe_invoices i
        where i.currency = 'usd' and i.period_start < ${range.to}::date::timestamptz
          and greatest(i.period_end, i.period_start + interval '1 day') > ${range.from}::date::timestamptz
     ), steps as (
       -- Each invoice's daily amount starts on its first day (or the range's) and stops after
       -- its last: a running sum over the days gives each day's total in (invoices + days) rows.
       select greatest(first_day, ${range.from}::date) as day, amount_paid / 100.0 / (end_day - first_day) as delta from invoiced
       union all
       select end_day, -(amount_paid / 100.0 / (end_day - first_day)) from invoiced where end_day < ${range.to}::date
     ), paid as (
       select d.day, sum(x.delta) over (order by d.day) as amount
         from days d left join (select day, sum(delta) as delta from steps group by day) x using (day)
     ), subs as (
       -- Active subscriptions without invoices, counted by plan and the day they start accruing.
       select s.plan_type, greatest((s.created_at at time zone 'UTC')::date, ${range.from}::date) as since, count(*) as n
         from public.user_subscriptions s
        where s.status = 'active'
          and not exists (select 1 from invoiced i where i.user_id = s.user_id)
        group by 1, 2
     ), grid as (
       -- Per paid plan and day: how many subscriptions accrue (a running count) and the day's rate.
       select d.day, p.price / ((date_trunc('month', d.day) + make_interval(months => p.period_months))::date - date_trunc('month', d.day)::date) as rate,
              sum(coalesce(s.n, 0)) over (partition by p.id order by d.day) as subscribers
         from public.plans p cross join days d
         left join subs s on s.plan_type = p.id and s.since = d.day
        where p.price > 0 and p.currency = 'usd'
     ), accrued as (
       select day, sum(subscribers * rate) as amount from grid group by day
     )
     select to_char(d.day, 'YYYY-MM-DD') as day,
            (round(coalesce(p.amount, 0), 12) + round(coalesce(a.amount, 0), 12))::text as revenue,
            round(coalesce(p.amount, 0), 12)::text as invoiced,
            round(coalesce(a.amount, 0), 12)::text as accrued
       from days d left join paid p using (day) left join accrued a using (day)
      order by d.day`
}
