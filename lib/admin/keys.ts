import 'server-only'
import { endLeases } from '@/lib/gateway/lease'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { db } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import { hashKey } from '@/lib/keys/hash'
import { actorLabel, type Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'

// Keys operators issue. Admin keys (tga_…) call the operator API; service keys (tgs_…) call the
// gateway for the product's own users. Like user keys (tg_…): 32 random bytes, shown once,
// only the SHA-256 kept; the prefix tells the kinds apart before any lookup.

export type OperatorKeyKind = 'admin' | 'service'
export const OPERATOR_KEY_PREFIX: Record<OperatorKeyKind, string> = { admin: 'tga_', service: 'tgs_' }
export const OPERATOR_KEY_PATTERN: Record<OperatorKeyKind, RegExp> = { admin: /^tga_[A-Za-z0-9_-]{43}$/, service: /^tgs_[A-Za-z0-9_-]{43}$/ }

export type OperatorKeySummary = {
  id: string
  kind: OperatorKeyKind
  name: string
  prefix: string
  created_by: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export const OperatorKeyNameSchema = z.string().trim().min(1, { error: 'name is required' }).max(100, { error: 'name must be at most 100 characters' })

/** Issues a key; the full key is returned here and never again (audited, without the key). */
export async function createOperatorKey(actor: Actor, kind: OperatorKeyKind, name: string): Promise<OperatorKeySummary & { key: string }> {
  const parsed = OperatorKeyNameSchema.safeParse(name)
  if (!parsed.success) throw new AppError('invalid_request', parsed.error.issues[0].message, { param: 'name' })
  const key = `${OPERATOR_KEY_PREFIX[kind]}${randomBytes(32).toString('base64url')}`
  const prefix = key.slice(0, 12)
  return auditedWrite(actor, 'operator_key.create', { label: `${kind}:${prefix}` }, async (tx) => {
    const row = await tx.operatorKey.create({ data: { kind, name: parsed.data, keyPrefix: prefix, keyHash: hashKey(key), createdBy: actorLabel(actor) } })
    const summary = toSummary(row)
    return { before: null, after: summary, result: { ...summary, key } }
  })
}

export async function listOperatorKeys(): Promise<OperatorKeySummary[]> {
  const rows = await db().operatorKey.findMany({ orderBy: { createdAt: 'desc' }, take: 500 })
  return rows.map(toSummary)
}

/** Revokes a key for good; false when there is no such active key. */
export async function revokeOperatorKey(actor: Actor, id: string): Promise<boolean> {
  if (!z.uuid().safeParse(id).success) return false
  return auditedWrite(actor, 'operator_key.revoke', { label: id }, async (tx) => {
    const before = await tx.operatorKey.findFirst({ where: { id, revokedAt: null } })
    if (!before) return { before: null, after: null, result: false }
    const after = await tx.operatorKey.update({ where: { id }, data: { revokedAt: new Date() } })
    return { before: toSummary(before), after: toSummary(after), result: true }
  }).then(async (revoked) => {
    // A service key's leases (it acts for many users) go with it.
    if (revoked) await endLeases((lease) => lease.credential === `service:${id}`)
    return revoked
  })
}

/** The actor of a presented key of `kind`, or null (malformed, unknown, revoked). Stamps its use at most once a minute. */
export async function authenticateOperatorKey(key: string, kind: OperatorKeyKind): Promise<Extract<Actor, { kind: 'admin_key' | 'service_key' }> | null> {
  if (!OPERATOR_KEY_PATTERN[kind].test(key)) return null
  const rows = await db().$queryRaw<{ id: string; key_prefix: string }[]>`
    with key as (
      select id, key_prefix from public.operator_keys where key_hash = ${hashKey(key)} and kind = ${kind} and revoked_at is null
    ), touched as (
      update public.operator_keys set last_used_at = now()
       where id = (select id from key) and (last_used_at is null or last_used_at < now() - interval '1 minute')
    )
    select id::text, key_prefix from key`
  if (!rows[0]) return null
  return { kind: kind === 'admin' ? 'admin_key' : 'service_key', keyId: rows[0].id, prefix: rows[0].key_prefix }
}

function toSummary(row: { id: string; kind: string; name: string; keyPrefix: string; createdBy: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }): OperatorKeySummary {
  return {
    id: row.id,
    kind: row.kind as OperatorKeyKind,
    name: row.name,
    prefix: row.keyPrefix,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  }
}
