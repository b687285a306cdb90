import 'server-only'
import { endLeases } from '@/lib/gateway/lease'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { db } from '@/lib/db/prisma'
import { withUser } from '@/lib/db/with-user'
import { hashKey } from '@/lib/keys/hash'

export const CreateApiKeySchema = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
})

export type ApiKeySummary = { id: string; name: string; prefix: string; created_at: string; last_used_at: string | null }

const PREFIX_LENGTH = 12

/** Creates a key for the user. The full key is returned here and never again: only its hash is kept. */
export async function createApiKey(userId: string, name: string, client: Pick<ReturnType<typeof db>, 'apiKey'> = db()): Promise<ApiKeySummary & { key: string }> {
  const key = `tg_${randomBytes(32).toString('base64url')}`
  const row = await client.apiKey.create({
    data: { userId, name, keyPrefix: key.slice(0, PREFIX_LENGTH), keyHash: hashKey(key) },
  })
  return { id: row.id, name: row.name, prefix: row.keyPrefix, created_at: row.createdAt.toISOString(), last_used_at: null, key }
}

/** The user's active keys, newest first, read through RLS. */
export async function listApiKeys(userId: string): Promise<ApiKeySummary[]> {
  const rows = await withUser(userId, (tx) => tx.apiKey.findMany({ where: { revokedAt: null }, orderBy: { createdAt: 'desc' } }))
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.keyPrefix,
    created_at: r.createdAt.toISOString(),
    last_used_at: r.lastUsedAt?.toISOString() ?? null,
  }))
}

/** Revokes one of the user's keys; false when the user has no such active key. */
export async function revokeApiKey(userId: string, keyId: string): Promise<boolean> {
  if (!z.uuid().safeParse(keyId).success) return false
  const { count } = await db().apiKey.updateMany({ where: { id: keyId, userId, revokedAt: null }, data: { revokedAt: new Date() } })
  // Calls admitted from this process's quota lease skip the database's key check: the key's
  // lease goes now (another instance's ends within QUOTA_LEASE_MS).
  if (count === 1) await endLeases((lease) => lease.credential === keyId)
  return count === 1
}
