import 'server-only'
import { z } from 'zod'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'
import { withOperatorRead, type OperatorTx } from '@/lib/admin/db'
import { AppError } from '@/lib/errors'
import { LEASE_SECONDS, MAX_ATTEMPTS } from '@/lib/usage/alert-webhooks'

// What left the building and what came in: usage-alert webhook deliveries (the outbox that
// lib/usage/alert-webhooks.ts works through) and the Stripe events the webhook handled. An
// operator may re-queue a failed alert delivery; a Stripe event cannot be pulled back from here
// (one that failed was never recorded: Stripe retries it, and its dashboard re-sends it).

export const DELIVERY_STATUSES = ['delivered', 'failed', 'retrying', 'pending'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]
export const DeliveryFilterSchema = z.enum(['all', ...DELIVERY_STATUSES]).catch('all')

export type AlertDeliveryRow = {
  id: string
  user_id: string
  email: string | null
  alert_type: string
  message: string
  url: string
  status: DeliveryStatus
  attempts: number
  last_error: string | null
  next_attempt_at: string | null
  delivered_at: string | null
  created_at: string
  /** Being sent by a delivery worker right now (claimed, not yet finished, lease not over). */
  in_flight: boolean
  cursor: string
}

// The worker claims a row by adding one to `attempts` and pushing `next_attempt_at` to
// now() + greatest(lease, least(3600, 30 * 2^(attempts before))), and finishes it by writing
// delivered_at or a last_error that starts "attempt <attempts>:". So a row is in flight when its
// latest attempt has no outcome yet and its claim (recovered from that formula) is younger
// than the lease; after the lease a crashed sender's claim counts as over, as it does for the worker.
const IN_FLIGHT = `(d.delivered_at is null and d.attempts > 0
  and (d.last_error is null or d.last_error not like 'attempt ' || d.attempts || ':%')
  and d.next_attempt_at - make_interval(secs => greatest(${LEASE_SECONDS}, least(3600, 30 * power(2, d.attempts - 1))))
      + make_interval(secs => ${LEASE_SECONDS}) > now())`
const STATUS = `case when d.delivered_at is not null then 'delivered' when d.attempts >= ${MAX_ATTEMPTS} then 'failed'
  when d.last_error is not null then 'retrying' else 'pending' end`
const TS = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
const DELIVERY_COLUMNS = `d.id::text, a.user_id::text, u.email, a.alert_type, a.message, d.url, ${STATUS} as status, d.attempts, d.last_error,
  case when d.delivered_at is null and d.attempts < ${MAX_ATTEMPTS} then ${TS('d.next_attempt_at')} end as next_attempt_at,
  ${TS('d.delivered_at')} as delivered_at, ${TS('d.created_at')} as created_at, ${IN_FLIGHT} as in_flight,
  to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '_' || d.id::text as cursor`
const FROM = `from public.usage_alert_deliveries d join public.usage_alerts a on a.id = d.alert_id left join auth.users u on u.id = a.user_id`

// "<timestamp with microseconds>_<uuid>": the last row of a page, newest first.
const Cursor = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}_[0-9a-f-]{36}$/)
function parseCursor(after: string | undefined): [string, string] | [null, null] {
  if (!after || !Cursor.safeParse(after).success) return [null, null]
  const [at, id] = after.split('_')
  return [at, id]
}

export type Page<T> = { rows: T[]; next: string | null }

/** Alert deliveries, newest first, `limit` per page; `after` is the previous page's `next`. */
export async function listAlertDeliveries(options: { status?: string; after?: string; limit?: number } = {}): Promise<Page<AlertDeliveryRow>> {
  const status = DeliveryFilterSchema.parse(options.status)
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200)
  const [at, id] = parseCursor(options.after)
  const rows = await withOperatorRead((tx) =>
    tx.$queryRawUnsafe<AlertDeliveryRow[]>(
      `select ${DELIVERY_COLUMNS} ${FROM}
        where ($1 = 'all' or ${STATUS} = $1)
          and ($2::timestamp is null or (d.created_at, d.id) < ($2::timestamp at time zone 'UTC', $3::uuid))
        order by d.created_at desc, d.id desc limit $4`,
      status, at, id, limit + 1,
    ),
  )
  return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1].cursor : null }
}

export type StripeEventRow = { id: string; type: string; outcome: string; created_at_stripe: string; received_at: string; cursor: string }
export const StripeOutcomeSchema = z.enum(['all', 'applied', 'ignored']).catch('all')

/** Stripe events handled, newest first; `outcome` filters on "applied…" or "ignored…". */
export async function listStripeEvents(options: { outcome?: string; after?: string; limit?: number } = {}): Promise<Page<StripeEventRow>> {
  const outcome = StripeOutcomeSchema.parse(options.outcome)
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200)
  const after = options.after && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}_[A-Za-z0-9_]{1,255}$/.test(options.after) ? options.after : null
  const at = after?.slice(0, 26) ?? null
  const id = after?.slice(27) ?? null
  const rows = await withOperatorRead((tx) =>
    tx.$queryRawUnsafe<StripeEventRow[]>(
      `select id, type, outcome, ${TS('created_at_stripe')} as created_at_stripe, ${TS('received_at')} as received_at,
              to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '_' || id as cursor
         from public.stripe_events
        where ($1 = 'all' or outcome like $1 || '%')
          and ($2::timestamp is null or (received_at, id) < ($2::timestamp at time zone 'UTC', $3::text))
        order by received_at desc, id desc limit $4`,
      outcome, at, id, limit + 1,
    ),
  )
  return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1].cursor : null }
}

async function readDelivery(tx: OperatorTx, id: string): Promise<AlertDeliveryRow | null> {
  const rows = await tx.$queryRawUnsafe<AlertDeliveryRow[]>(`select ${DELIVERY_COLUMNS} ${FROM} where d.id = $1::uuid`, id)
  return rows[0] ?? null
}

const audited = (r: AlertDeliveryRow) => ({ id: r.id, status: r.status, attempts: r.attempts, last_error: r.last_error, next_attempt_at: r.next_attempt_at, delivered_at: r.delivered_at })

/**
 * Re-queues a failed alert delivery (audited): due now, with at least one attempt left, for the
 * delivery worker every instance runs (lib/usage/alert-webhooks.ts, every 5 s). One conditional
 * UPDATE decides, so a delivery that succeeded meanwhile, or that a worker is sending right now,
 * is never queued again (409 in words); the worker's own claim (SKIP LOCKED) keeps two instances
 * from sending one row at once.
 */
export async function retryAlertDelivery(actor: Actor, id: string): Promise<AlertDeliveryRow> {
  if (!z.uuid().safeParse(id).success) throw new AppError('not_found', 'No such delivery.', { param: 'id' })
  const peek = await withOperatorRead((tx) => readDelivery(tx, id))
  if (!peek) throw new AppError('not_found', 'No such delivery.', { param: 'id' })
  return auditedWrite(actor, 'alert_delivery.retry', { userId: peek.user_id, label: `delivery ${id}` }, async (tx) => {
    const before = (await readDelivery(tx, id))!
    const queued = await tx.$executeRawUnsafe(
      `update public.usage_alert_deliveries d set next_attempt_at = now(), attempts = least(d.attempts, ${MAX_ATTEMPTS - 1})
        where d.id = $1::uuid and d.delivered_at is null and d.last_error is not null and not ${IN_FLIGHT}`,
      id,
    )
    const now = (await readDelivery(tx, id))!
    if (queued === 0) throw refusal(now)
    return { before: audited(before), after: audited(now), result: now }
  })
}

function refusal(row: AlertDeliveryRow): AppError {
  if (row.status === 'delivered') return new AppError('conflict', `This alert was delivered at ${row.delivered_at}; it is not sent again.`, { param: 'id' })
  if (row.in_flight) return new AppError('conflict', 'A delivery worker is sending this alert right now; look again in a minute.', { param: 'id' })
  return new AppError('conflict', `This delivery has not failed: it is queued${row.next_attempt_at ? ` for ${row.next_attempt_at}` : ''}.`, { param: 'id' })
}
