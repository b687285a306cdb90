import 'server-only'
import { getUser } from '@/lib/auth'
import { pool } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import { hashKey as hashApiKey } from '@/lib/keys/hash'
import { authBackend } from '@/lib/env'
import { JWT_PATTERN } from '@/lib/auth/access-token'
import { accessTokenUserId } from '@/lib/auth/access-token-user'
import { authenticateOperatorKey, OPERATOR_KEY_PATTERN } from '@/lib/admin/keys'
import { checkNamesSelf, endUserId, endUserName } from '@/lib/gateway/end-user'

/**
 * Who is calling. `fromCache`: an API key resolved from memory, not yet re-checked in the
 * database. `serviceKeyId`: a service key acting for `userId`, one of the product's users.
 */
export type Identity = { userId: string; apiKeyId: string | null; via: 'api_key' | 'session' | 'service_key'; fromCache?: boolean; serviceKeyId?: string }

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

// A service key → its id, remembered like user keys: a revoked service key is refused within
// SERVICE_KEY_CACHE_MS (admission re-checks user keys, not operator keys).
const SERVICE_KEY_CACHE_MS = 30_000
const serviceKeyCache = new Map<string, { keyId: string; prefix: string; at: number }>()

type Presented = { kind: 'user_key' | 'service_key' | 'access_token'; value: string }

function isCredential(value: string): Presented | null {
  if (API_KEY_PATTERN.test(value)) return { kind: 'user_key', value }
  if (OPERATOR_KEY_PATTERN.service.test(value)) return { kind: 'service_key', value }
  // A Supabase access token: only when Supabase Auth is this deployment's sign-in.
  if (authBackend === 'supabase' && JWT_PATTERN.test(value)) return { kind: 'access_token', value }
  return null
}

function bearerKey(header: string): Presented {
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
  const presented = match ? isCredential(match[1]) : null
  if (!presented) throw invalidKey()
  return presented
}

/**
 * The API key the request presents: `Authorization: Bearer tg_…`, or `x-api-key: tg_…` as
 * Anthropic's SDK and the tools built on it send it. Null when it presents none.
 */
function presentedKey(request: Request): Presented | null {
  const header = request.headers.get('authorization')
  if (header) return bearerKey(header)
  const apiKey = request.headers.get('x-api-key')
  if (apiKey === null) return null
  const presented = isCredential(apiKey.trim())
  if (!presented) throw invalidKey()
  return presented
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
 * Who is calling: an API key (`Authorization: Bearer tg_…` or `x-api-key`), a service key
 * (`tgs_…`) acting for the end user it names (lib/gateway/end-user.ts), a Supabase access token
 * (Supabase Auth deployments), else the browser session. Unknown, revoked or malformed
 * credentials are refused here, before anything is recorded; so is a credential other than a
 * service key that names another user in x-tollgate-user (403).
 * `verifiedLater`: the caller re-checks a key in its admission (metered calls), so a recently
 * seen key may come from the cache.
 */
export async function authenticate(request: Request, options: { verifiedLater?: boolean } = {}): Promise<Identity> {
  const presented = presentedKey(request)
  if (presented?.kind === 'service_key') return actForEndUser(request, presented.value)
  const identity = await ownIdentity(request, presented, options)
  await checkNamesSelf(request, identity.userId)
  return identity
}

async function ownIdentity(request: Request, presented: Presented | null, options: { verifiedLater?: boolean }): Promise<Identity> {
  if (presented?.kind === 'user_key') {
    const hash = hashApiKey(presented.value)
    const cached = options.verifiedLater ? keyCache.get(hash) : undefined
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return { userId: cached.userId, apiKeyId: cached.apiKeyId, via: 'api_key', fromCache: true }
    const identity = await lookUpKey(hash)
    keyCache.delete(hash)
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!)
    keyCache.set(hash, { userId: identity.userId, apiKeyId: identity.apiKeyId!, at: Date.now() })
    return identity
  }
  if (presented?.kind === 'access_token') {
    const userId = await accessTokenUserId(presented.value)
    if (!userId) throw new AppError('invalid_api_key', 'Invalid access token: expired, signed out, or not issued by this project\'s Supabase Auth.')
    return { userId, apiKeyId: null, via: 'session' }
  }
  const user = await getUser()
  if (!user) throw new AppError('invalid_api_key', 'Missing API key: send Authorization: Bearer tg_… (or x-api-key: tg_…) or sign in.')
  return { userId: user.id, apiKeyId: null, via: 'session' }
}

/** A service key's call: the key checked (or remembered), then the end user it names, made on first sight. */
async function actForEndUser(request: Request, key: string): Promise<Identity> {
  const hash = hashApiKey(key)
  let entry = serviceKeyCache.get(hash)
  if (!entry || Date.now() - entry.at >= SERVICE_KEY_CACHE_MS) {
    const actor = await authenticateOperatorKey(key, 'service')
    serviceKeyCache.delete(hash)
    if (!actor) throw invalidKey()
    if (serviceKeyCache.size >= KEY_CACHE_MAX) serviceKeyCache.delete(serviceKeyCache.keys().next().value!)
    entry = { keyId: actor.keyId, prefix: actor.prefix, at: Date.now() }
    serviceKeyCache.set(hash, entry)
  }
  const externalId = await endUserName(request)
  const userId = await endUserId({ kind: 'service_key', keyId: entry.keyId, prefix: entry.prefix }, externalId)
  return { userId, apiKeyId: null, via: 'service_key', serviceKeyId: entry.keyId }
}

/** Confirms a cached identity against the database (the key may have been revoked since). */
export async function confirmIdentity(request: Request, identity: Identity): Promise<Identity> {
  if (!identity.fromCache) return identity
  try {
    return await lookUpKey(hashApiKey(presentedKey(request)!.value))
  } catch (error) {
    if (identity.apiKeyId) forgetApiKey(identity.apiKeyId)
    throw error
  }
}
