import 'server-only'
import { createHash } from 'node:crypto'
import { db } from '@/lib/db/prisma'

// Five wrong passwords for one email within 15 minutes lock that email out for 15 minutes.
// State is in PostgreSQL so that every app instance counts the same failures.
export const MAX_FAILURES = 5
const WINDOW_MINUTES = 15
const LOCK_MINUTES = 15

function emailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex')
}

/** Seconds until sign-in is allowed again for this email; 0 when it is allowed now. */
export async function lockedForSeconds(email: string): Promise<number> {
  const rows = await db().$queryRaw<{ seconds: number }[]>`
    select ceil(extract(epoch from locked_until - now()))::int as seconds
      from public.auth_login_throttle
     where email_hash = ${emailHash(email)} and locked_until > now()`
  return rows[0]?.seconds ?? 0
}

/**
 * Counts one failure in a single statement (concurrent failures all count) and locks the
 * email when the count reaches MAX_FAILURES. Returns seconds of lock, 0 when not locked.
 */
export async function recordFailure(email: string): Promise<number> {
  const rows = await db().$queryRaw<{ seconds: number }[]>`
    with fresh as (select now() - make_interval(mins => ${WINDOW_MINUTES}) as window_floor)
    insert into public.auth_login_throttle as t (email_hash, failures, window_started_at)
    values (${emailHash(email)}, 1, now())
    on conflict (email_hash) do update set
      failures = case when t.window_started_at < (select window_floor from fresh) then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at < (select window_floor from fresh) then now()
                               else t.window_started_at end,
      locked_until = case
        when (case when t.window_started_at < (select window_floor from fresh) then 1 else t.failures + 1 end) >= ${MAX_FAILURES}
          and (t.locked_until is null or t.locked_until <= now())
        then now() + make_interval(mins => ${LOCK_MINUTES})
        else t.locked_until end,
      updated_at = now()
    returning greatest(0, ceil(extract(epoch from coalesce(t.locked_until, now()) - now())))::int as seconds`
  return rows[0]?.seconds ?? 0
}

export async function clearFailures(email: string): Promise<void> {
  await db().$executeRaw`delete from public.auth_login_throttle where email_hash = ${emailHash(email)}`
}
