import 'server-only'
import { Prisma } from '@/lib/generated/prisma/client'
import type { OperatorTx } from '@/lib/admin/db'
import type { ReportRange } from '@/lib/admin/reports/range'

// Top users by cost over a range, exact, without reading every user's every day: each month
// the range touches is read from console_user_months, corrected with the days of that month
// outside the range (subtracted), or replaced by the days inside it (added), whichever side
// holds fewer days that can have rows (none after today). A 90-day range thus reads 3–4
// month rows and a few days per user instead of 90 days per user.

export type TopUserRow = { userId: string; email: string | null; plan: string | null; calls: number; cost: string }

const DAY = 86_400_000
const ms = (iso: string) => Date.parse(`${iso}T00:00:00Z`)
const iso = (t: number) => new Date(t).toISOString().slice(0, 10)
const monthAfter = (t: number) => {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** What to read: whole months (sign +1), and day intervals [from, to) with a sign. */
export function readPlan(range: Pick<ReportRange, 'from' | 'to'>, now: Date = new Date()): { months: string[]; days: { from: string; to: string; sign: 1 | -1 }[] } {
  const from = ms(range.from)
  const to = ms(range.to)
  const dataEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY // no rows after today
  const costly = (a: number, b: number) => Math.max(0, Math.min(b, dataEnd) - a) / DAY
  const months: string[] = []
  const days: { from: string; to: string; sign: 1 | -1 }[] = []
  for (let m = Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), 1); m < to; m = monthAfter(m)) {
    const end = monthAfter(m)
    const [a, b] = [Math.max(from, m), Math.min(to, end)]
    const inside = costly(a, b)
    const outside = costly(m, a) + costly(b, end)
    if (outside === 0 || outside < inside) {
      months.push(iso(m))
      if (a > m) days.push({ from: iso(m), to: iso(a), sign: -1 })
      if (b < end && costly(b, end) > 0) days.push({ from: iso(b), to: iso(end), sign: -1 })
    } else if (inside > 0) days.push({ from: iso(a), to: iso(b), sign: 1 })
  }
  return { months, days }
}

export async function topUsers(tx: OperatorTx, range: ReportRange, limit: number): Promise<TopUserRow[]> {
  const plan = readPlan(range)
  const parts: Prisma.Sql[] = []
  if (plan.months.length)
    parts.push(Prisma.sql`select user_id, cost, calls from public.console_user_months where month = any(${plan.months}::date[])`)
  for (const d of plan.days)
    parts.push(Prisma.sql`select user_id, cost * ${d.sign}::int as cost, calls * ${d.sign}::int as calls from public.console_user_days where day >= ${d.from}::date and day < ${d.to}::date`)
  if (parts.length === 0) return []
  return tx.$queryRaw<TopUserRow[]>`
    select t.user_id::text as "userId", u.email, s.plan_type as plan, t.calls, t.cost::text as cost
      from (select user_id, sum(cost) as cost, sum(calls)::float8 as calls
              from (${Prisma.join(parts, ' union all ')}) x
             group by user_id having sum(calls) > 0
             order by sum(cost) desc, user_id limit ${limit}) t
      left join auth.users u on u.id = t.user_id
      left join public.user_subscriptions s on s.user_id = t.user_id
     order by t.cost desc, t.user_id`
}
