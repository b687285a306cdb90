import 'server-only'
import { createHash } from 'node:crypto'
import { getUser } from '@/lib/auth'
import { db } from '@/lib/db/prisma'
import { GatewayError } from '@/lib/gateway/errors'

export type Identity = { userId: string; apiKeyId: string | null; via: 'api_key' | 'session' }

/** tg_ followed by 43 URL-safe base64 characters (32 random bytes). */
export const API_KEY_PATTERN = /^tg_[A-Za-z0-9_-]{43}$/

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

const invalidKey = () => new GatewayError('invalid_api_key', 'Invalid API key. Create one in Settings → Security → API keys.')

/**
 * Who is calling: an API key in `Authorization: Bearer tg_…`, else the browser session.
 * Unknown, revoked or malformed keys are refused here, before anything is recorded.
 */
export async function authenticate(request: Request): Promise<Identity> {
  const header = request.headers.get('authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
    if (!match || !API_KEY_PATTERN.test(match[1])) throw invalidKey()
    // One round trip: find the key and, at most once a minute, stamp its last use.
    const rows = await db().$queryRaw<{ id: string; user_id: string }[]>`
      with key as (
        select id, user_id from public.api_keys where key_hash = ${hashApiKey(match[1])} and revoked_at is null
      ), touched as (
        update public.api_keys set last_used_at = now()
         where id = (select id from key) and (last_used_at is null or last_used_at < now() - interval '1 minute')
      )
      select id::text, user_id::text from key`
    if (!rows[0]) throw invalidKey()
    return { userId: rows[0].user_id, apiKeyId: rows[0].id, via: 'api_key' }
  }
  const user = await getUser()
  if (!user) throw new GatewayError('invalid_api_key', 'Missing API key: send Authorization: Bearer tg_… or sign in.')
  return { userId: user.id, apiKeyId: null, via: 'session' }
}
