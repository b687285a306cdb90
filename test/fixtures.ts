// Rows for database tests, inserted as the superuser (the way privileged server code writes).
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { withClient } from './databases'

export async function insertUser(client: pg.Client, email = `${randomUUID()}@example.test`): Promise<string> {
  const { rows } = await client.query<{ id: string }>('insert into auth.users (email) values ($1) returning id', [email])
  return rows[0].id
}

/** A new user in the database at `url`; `sql`, run with $1 = the user's id, sets their plan or limits. */
export function newUserIn(url: string, sql = ''): Promise<string> {
  return withClient(url, async (c) => {
    const id = await insertUser(c)
    if (sql) await c.query(sql, [id])
    return id
  })
}

/** One row in every user-owned table, so RLS can be checked table by table. */
export async function insertOwnedRows(client: pg.Client, userId: string): Promise<void> {
  const campaign = await client.query<{ id: string }>(
    `insert into public.campaigns (user_id, name) values ($1, 'Launch ' || gen_random_uuid()) returning id`,
    [userId],
  )
  const call = await client.query<{ request_id: string }>(
    `insert into public.api_usage (user_id, service_type, provider, model, endpoint, request_id, campaign_id,
                                   input_tokens, output_tokens, total_cost, status)
     values ($1, 'chat', 'simulator', 'sim-chat', '/api/v1/chat/completions', gen_random_uuid()::text, $2,
             12, 34, 0.0001234567, 'success')
     returning request_id`,
    [userId, campaign.rows[0].id],
  )
  await client.query(
    `insert into public.api_usage_details (request_id, user_id, ip_address, user_agent, request_payload)
     values ($1, $2, '192.0.2.1', 'fixture-agent/1', '{"messages": [{"role": "user", "content": "hi"}]}')`,
    [call.rows[0].request_id, userId],
  )
  await client.query(
    `insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start,
                                      current_value, limit_value, message)
     values ($1, 'quota', 'chat', 50, now(), 50, 100, 'Half of your chat messages are used')`,
    [userId],
  )
  await client.query(
    `insert into public.api_rate_limits (user_id, service_type, requests_per_minute) values ($1, 'chat', 60)
     on conflict (user_id, service_type) do update set requests_per_minute = 60`,
    [userId],
  )
  await client.query(
    `insert into public.usage_aggregations (user_id, period_type, period_start, service_type, provider, model,
                                            request_count, total_cost)
     values ($1, 'day', current_date, 'chat', 'simulator', 'sim-chat', 1, 0.0001234567)`,
    [userId],
  )
  await client.query(
    `insert into public.usage_holds (request_id, user_id, service_type, units, period_start, expires_at)
     values ('hold-' || gen_random_uuid(), $1, 'chat', 1, now(), now() + interval '1 minute')`,
    [userId],
  )
  await client.query(
    `insert into public.video_jobs (id, user_id, provider, pricing_provider, model, upstream_job_id, seconds, request_id)
     values ('vid_' || gen_random_uuid(), $1, 'simulator', 'runway', 'gen4_turbo', 'up-1', 5, 'video-' || gen_random_uuid())`,
    [userId],
  )
  await client.query(
    `insert into public.stored_responses (id, user_id, request_id, model) values ('resp_' || replace(gen_random_uuid()::text, '-', ''), $1, 'req-' || gen_random_uuid(), 'gpt-4o-mini')`,
    [userId],
  )
  await client.query(
    `insert into public.api_keys (user_id, name, key_prefix, key_hash)
     values ($1, 'default', 'tg_live_ab', encode(sha256(gen_random_uuid()::text::bytea), 'hex'))`,
    [userId],
  )
}
