import 'server-only'
import { getUser } from '@/lib/auth'
import { pool } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import { hashKey as hashApiKey } from '@/lib/keys/hash'

/** Who is calling. `fromCache`: an API key resolved from memory, not yet re-checked in the database. */
export type Identity = { userId: string; apiKeyId: string | null; via: 'api_key' | 'session'; fromCache?: boolean }

/** tg_ followed by 43 URL-safe base64 characters (32 random bytes). */
const API_KEY_PATTERN = /^tg_[A-Za-z0-9_-]{43}$/

export { hashKey as hashApiKey } from '@/lib/keys/hash'

export const invalidKey = () => new AppError('invalid_api_key', 'Invalid API key. Create one in Settings → Security → API keys.')

// Key → user, remembered briefly so a metered call needs no round trip of its own to find its
// user: gateway_admit re-checks the key (revoked? someone else's?) in the admission round trip,
// and a call that fails before admission is re-checked before anything is recorded
// (pipeline.ts). Reads that are not metered never use this cache.
const KEY_CACHE_MS = 30_000
const KEY_CACHE_MAX = 10_000
const keyCache = new Map<string, { userId: string; apiKeyId: string; at: number }>()

/** Drops a key from the cache (it was refused at admission: revoked or deleted). */
export function forgetApiKey(apiKeyId: string): void {
  for (const [hash, entry] of keyCache) if (entry.apiKeyId === apiKeyId) keyCache.delete(hash)
}

function bearerKey(header: string): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
  if (!match || !API_KEY_PATTERN.test(match[1])) throw invalidKey()
  return match[1]
}

/**
 * The API key the request presents: `Authorization: Bearer tg_…`, or `x-api-key: tg_…` as
 * Anthropic's SDK and the tools built on it send it. Null when it presents none.
 */
function presentedKey(request: Request): string | null {
  const header = request.headers.get('authorization')
  if (header) return bearerKey(header)
  const apiKey = request.headers.get('x-api-key')
  if (apiKey === null) return null
  if (!API_KEY_PATTERN.test(apiKey.trim())) throw invalidKey()
  return apiKey.trim()
}

/** The key's owner from the database (one round trip that also stamps its use, at most once a minute). */
async function lookUpKey(hash: string): Promise<Identity> {
  const { rows } = await pool().query<{ id: string; user_id: string }>(
    `with key as (
       select id, user_id from public.api_keys where key_hash = $1 and revoked_at is null
     ), touched as (
       update public.api_keys set last_used_at = now()
        where id = (select id from key) and (last_used_at is null or last_used_at < now() - interval '1 minute')
     )
     select id::text, user_id::text from key`,
    [hash],
  )
  if (!rows[0]) throw invalidKey()
  return { userId: rows[0].user_id, apiKeyId: rows[0].id, via: 'api_key' }
}

/**
 * Who is calling: an API key (`Authorization: Bearer tg_…` or `x-api-key`), else the browser session.
 * Unknown, revoked or malformed keys are refused here, before anything is recorded.
 * `verifiedLater`: the caller re-checks a key in its admission (metered calls), so a recently
 * seen key may come from the cache.
 */
export async function authenticate(request: Request, options: { verifiedLater?: boolean } = {}): Promise<Identity> {
  const key = presentedKey(request)
  if (key) {
    const hash = hashApiKey(key)
    const cached = options.verifiedLater ? keyCache.get(hash) : undefined
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return { userId: cached.userId, apiKeyId: cached.apiKeyId, via: 'api_key', fromCache: true }
    const identity = await lookUpKey(hash)
    keyCache.delete(hash)
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!)
    keyCache.set(hash, { userId: identity.userId, apiKeyId: identity.apiKeyId!, at: Date.now() })
    return identity
  }
  const user = await getUser()
  if (!user) throw new AppError('invalid_api_key', 'Missing API key: send Authorization: Bearer tg_… (or x-api-key: tg_…) or sign in.')
  return { userId: user.id, apiKeyId: null, via: 'session' }
}

/** Confirms a cached identity against the database (the key may have been revoked since). */
export async function confirmIdentity(request: Request, identity: Identity): Promise<Identity> {
  if (!identity.fromCache) return identity
  try {
    return await lookUpKey(hashApiKey(presentedKey(request)!))
  } catch (error) {
    if (identity.apiKeyId) forgetApiKey(identity.apiKeyId)
    throw error
  }
}
