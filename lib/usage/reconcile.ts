import 'server-only'
import { db } from '@/lib/db/prisma'
import { OTHER_SERVICES } from '@/lib/services'

const OTHER_SERVICE_IDS = OTHER_SERVICES.map((s) => s.id)

export type ReconcileLine = {
  user_id: string
  email: string | null
  measure: string
  counter: string
  from_rows: string
  ok: boolean
}

/**
 * Compares each subscription's counters for its current period with the usage rows of that
 * period: successful calls per service (images counted one by one; services without quota
 * columns in the service_used map) and the period's cost.
 * Every mismatch means a counter drifted from the audit log.
 */
export async function reconcileUsage(userId?: string, client: Pick<ReturnType<typeof db>, '$queryRaw'> = db()): Promise<ReconcileLine[]> {
  // Which counter each service books, and how many units a row is: public.service_counters(),
  // the mapping record_usage books through.
  const rows = await client.$queryRaw<Omit<ReconcileLine, 'ok'>[]>`
    with subs as (
      select s.*, u.email from public.user_subscriptions s join auth.users u on u.id = s.user_id
       where ${userId ?? null}::uuid is null or s.user_id = ${userId ?? null}::uuid
    ), calls as (
      select a.user_id, a.service_type, a.status, a.total_cost, a.images_generated
        from subs s join public.api_usage a
          on a.user_id = s.user_id and a.created_at >= s.billing_period_start and a.created_at < s.billing_period_end
    ), measured as (
      select s.user_id, s.email, c.used_column as measure, to_jsonb(s) ->> c.used_column as counter,
             (select coalesce(sum(case when c.units_column is null then 1 else (to_jsonb(k) ->> c.units_column)::bigint end), 0)
                from calls k where k.user_id = s.user_id and k.status = 'success' and k.service_type = c.service)::text as from_rows
        from subs s cross join public.service_counters() c
      union all
      -- Services without quota columns count their successful calls in the service_used map.
      select s.user_id, s.email, 'service_used.' || o.service, coalesce(s.service_used ->> o.service, '0'),
             (select count(*) from calls k where k.user_id = s.user_id and k.status = 'success' and k.service_type = o.service)::text
        from subs s cross join unnest(${OTHER_SERVICE_IDS}::text[]) as o(service)
      union all
      select s.user_id, s.email, 'period_cost', trim_scale(s.period_cost)::text,
             trim_scale(coalesce((select sum(k.total_cost) from calls k where k.user_id = s.user_id), 0)::numeric)::text
        from subs s
    )
    select user_id::text, email, measure, counter, from_rows from measured order by email, measure`
  return rows.map((r) => ({ ...r, ok: r.counter === r.from_rows }))
}

/**
 * Releases holds (all of a user's, or every expired one): for requests that will never settle.
 * A quota lease (`lease_…`) still in force is kept: an instance is admitting calls from it
 * without asking the database, so deleting it would let those calls pass the limit; it gives
 * itself back within QUOTA_LEASE_MS, or expires (lib/gateway/lease.ts).
 */
export async function releaseHolds(options: { userId?: string; expiredOnly: boolean }, client: Pick<ReturnType<typeof db>, '$executeRaw'> = db()): Promise<number> {
  return client.$executeRaw`
    delete from public.usage_holds
     where (${options.userId ?? null}::uuid is null or user_id = ${options.userId ?? null}::uuid)
       and (not ${options.expiredOnly} or expires_at <= now())
       and (left(request_id, 6) <> 'lease_' or expires_at <= now())`
}
