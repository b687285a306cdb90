import 'server-only'
import { db } from '@/lib/db/prisma'

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
 * period: successful calls per service (images counted one by one) and the period's cost.
 * Every mismatch means a counter drifted from the audit log.
 */
export async function reconcileUsage(userId?: string): Promise<ReconcileLine[]> {
  const rows = await db().$queryRaw<Omit<ReconcileLine, 'ok'>[]>`
    with subs as (
      select s.*, u.email from public.user_subscriptions s join auth.users u on u.id = s.user_id
       where ${userId ?? null}::uuid is null or s.user_id = ${userId ?? null}::uuid
    ), facts as (
      select s.user_id, s.email,
             s.content_generations_used, s.image_generations_used, s.video_generations_used, s.chat_messages_used, s.period_cost,
             count(*) filter (where a.status = 'success' and a.service_type = 'content') as content_rows,
             coalesce(sum(a.images_generated) filter (where a.status = 'success' and a.service_type = 'image'), 0) as image_rows,
             count(*) filter (where a.status = 'success' and a.service_type = 'video') as video_rows,
             count(*) filter (where a.status = 'success' and a.service_type = 'chat') as chat_rows,
             coalesce(sum(a.total_cost), 0) as cost_rows
        from subs s
        left join public.api_usage a
          on a.user_id = s.user_id and a.created_at >= s.billing_period_start and a.created_at < s.billing_period_end
       group by s.user_id, s.email, s.content_generations_used, s.image_generations_used, s.video_generations_used,
                s.chat_messages_used, s.period_cost
    )
    select user_id::text, email, m.measure, m.counter, m.from_rows
      from facts,
      lateral (values
        ('content_generations_used', content_generations_used::text, content_rows::text),
        ('image_generations_used', image_generations_used::text, image_rows::text),
        ('video_generations_used', video_generations_used::text, video_rows::text),
        ('chat_messages_used', chat_messages_used::text, chat_rows::text),
        ('period_cost', trim_scale(period_cost)::text, trim_scale(cost_rows::numeric)::text)
      ) as m(measure, counter, from_rows)
     order by email, m.measure`
  return rows.map((r) => ({ ...r, ok: r.counter === r.from_rows }))
}

/** Releases holds (all of a user's, or every expired one): for requests that will never settle. */
export async function releaseHolds(options: { userId?: string; expiredOnly: boolean }): Promise<number> {
  return db().$executeRaw`
    delete from public.usage_holds
     where (${options.userId ?? null}::uuid is null or user_id = ${options.userId ?? null}::uuid)
       and (not ${options.expiredOnly} or expires_at <= now())`
}
