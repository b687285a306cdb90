// Helpers for gateway integration tests: a user with an API key on a running server, the
// official OpenAI SDK pointed at it, and the usage rows it wrote.
import { randomUUID } from 'node:crypto'
import OpenAI from 'openai'
import type pg from 'pg'
import { trimDecimalZeros } from '@/lib/text'
import { withClient } from './databases'

export type GatewayUser = { id: string; key: string; cookie: string; client: OpenAI }

export async function createGatewayUser(baseUrl: string): Promise<GatewayUser> {
  const signup = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `gw-${randomUUID()}@example.test`, password: 'a long enough password' }),
  })
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`)
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const { user } = await signup.json()
  const created = await fetch(`${baseUrl}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'tests' }) })
  const { key } = await created.json()
  // maxRetries 0: a test that expects a failure must see the first answer, not a retry's.
  return { id: user.id, key, cookie, client: new OpenAI({ apiKey: key, baseURL: `${baseUrl}/api/v1`, maxRetries: 0 }) }
}

export type UsageRow = Record<string, unknown> & { request_id: string; status: string; total_cost: string | null }

/** The usage rows of `userId`, oldest first, once at least `count` exist (recording runs after the response). */
export async function usageRows(databaseUrl: string, userId: string, count = 1, timeoutMs = 10_000): Promise<UsageRow[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const rows = await withClient(databaseUrl, async (c) =>
      (
        await c.query<UsageRow>(
          // The call's personal data (payloads, IP, user agent) sits beside it, unless expired.
          `select u.*, u.input_cost::text as input_cost, u.output_cost::text as output_cost, u.generation_cost::text as generation_cost,
                  u.total_cost::text as total_cost, u.video_seconds::text as video_seconds, host(d.ip_address) as ip_address,
                  d.user_agent, d.request_payload, d.response_payload
             from public.api_usage u left join public.api_usage_details d using (request_id)
            where u.user_id = $1 order by u.created_at, u.id`,
          [userId],
        )
      ).rows,
    )
    if (rows.length >= count || Date.now() > deadline) return rows
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Admission holds the user still has: calls admitted and not yet settled. */
/**
 * The user's holds, once no quota lease of theirs is live: a lease (`lease_…` row) is reserved
 * room an instance gives back within QUOTA_LEASE_MS (2 s), not a call in flight. A lease row that
 * outlives that is a leak and is counted like any hold left behind.
 */
export async function holdsOf(databaseUrl: string, userId: string): Promise<number> {
  const count = (c: pg.Client) => c.query<{ holds: number; leases: number }>(
    `select count(*)::int as holds, count(*) filter (where left(request_id, 6) = 'lease_')::int as leases from public.usage_holds where user_id = $1`, [userId])
  return withClient(databaseUrl, async (c) => {
    const deadline = Date.now() + 10_000
    let { holds, leases } = (await count(c)).rows[0]
    while (leases > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      ;({ holds, leases } = (await count(c)).rows[0])
    }
    return holds
  })
}

/** numeric(24,12) text as the cost engine's canonical string: "0.007500000000" → "0.0075". */
export const canonical = (value: unknown) => (value === null ? null : trimDecimalZeros(String(value)))
