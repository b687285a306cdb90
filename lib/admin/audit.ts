import 'server-only'
import { db } from '@/lib/db/prisma'
import { actorLabel, actorUserId, type Actor } from '@/lib/admin/actor'
import type { OperatorTx } from '@/lib/admin/db'
import { endLeases } from '@/lib/gateway/lease'

export type AuditTarget = { userId?: string | null; label?: string | null }

/** What a write hands back: the state before and after (recorded) and what the caller gets. */
/**
 * `unchanged`: nothing was written after all (someone else made it first), so nothing is recorded.
 * `targetUserId`: the user the write made (not known before it), recorded as the row's target.
 */
export type AuditedChange<T> = { before: unknown; after: unknown; result: T; unchanged?: boolean; targetUserId?: string }

export type AuditEntry = {
  id: string
  at: string
  actor: string
  action: string
  target_user: string | null
  target: string | null
  /** The target user's email now (null once they are deleted): read beside the row, never stored in it. */
  target_email: string | null
  before: unknown
  after: unknown
}

/**
 * Every operator write: `fn` makes the change in the transaction and says what it was before
 * and after; the audit row is written in the same transaction, so there is no change without
 * its record and no record of a change that rolled back. Throws what `fn` throws.
 */
export async function auditedWrite<T>(
  actor: Actor,
  action: string,
  target: AuditTarget,
  fn: (tx: OperatorTx) => Promise<AuditedChange<T>>,
): Promise<T> {
  const [result, changed] = await db().$transaction(async (tx): Promise<[T, string | null]> => {
    const change = await fn(tx)
    if (change.unchanged) return [change.result, null]
    const userId = change.targetUserId ?? target.userId ?? null
    await tx.$executeRaw`
      insert into public.operator_audit (actor_id, actor, action, target_user, target, before, after)
      values (${actorUserId(actor)}::uuid, ${actorLabel(actor)}, ${action}, ${userId}::uuid, ${target.label ?? null},
              ${jsonText(change.before)}::jsonb, ${jsonText(change.after)}::jsonb)`
    return [change.result, userId]
  })
  // The user's terms or keys changed: this process's quota leases of theirs were granted under
  // the old ones (other instances' end within QUOTA_LEASE_MS).
  if (changed) await endLeases((lease) => lease.userId === changed)
  return result
}

function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

/** The newest audit rows (of one user, or all), keyset-paginated by id: `before` is the last id seen. */
export async function listAudit(options: { targetUserId?: string; limit?: number; before?: string } = {}): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200)
  const before = options.before && /^\d{1,19}$/.test(options.before) ? options.before : null
  const rows = await db().$queryRaw<AuditEntry[]>`
    select a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, a.actor, a.action,
           a.target_user::text, a.target, u.email as target_email, a.before, a.after
      from public.operator_audit a
      left join auth.users u on u.id = a.target_user
     where (${options.targetUserId ?? null}::uuid is null or a.target_user = ${options.targetUserId ?? null}::uuid)
       and (${before}::bigint is null or a.id < ${before}::bigint)
     -- The table's id (a number), not the selected text column of the same name.
     order by a.id desc
     limit ${limit}`
  return rows
}
