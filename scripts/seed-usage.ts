// `node --import tsx scripts/seed-usage.ts <email> [rows]`: gives a user `rows` synthetic usage
// rows over the last 90 days (default 1,000,000), with the rollups and counters that the
// gateway would have written for them. For benchmarks and screenshots; never for production.
import pg from 'pg'
import { env } from '../lib/env'

const [email, rowsArg] = process.argv.slice(2)
const rows = Number(rowsArg ?? 1_000_000)
if (!email || !Number.isSafeInteger(rows) || rows < 1) {
  console.error('usage: node --import tsx scripts/seed-usage.ts <email> [rows]')
  process.exit(2)
}
if (!env.DATABASE_URL) {
  console.error('DATABASE_URL must point at the database to seed')
  process.exit(2)
}

const client = new pg.Client({ connectionString: env.DATABASE_URL })
await client.connect()
const started = Date.now()
const { rows: users } = await client.query<{ id: string }>('select id::text from auth.users where lower(email) = lower($1)', [email])
if (!users[0]) throw new Error(`no user ${email}`)
const userId = users[0].id
await client.query('begin')
// Rows straight into the table (the audit log's trigger only refuses UPDATE and DELETE).
await client.query(
  `insert into public.api_usage (user_id, service_type, provider, model, endpoint, request_id, input_tokens, output_tokens,
                                 images_generated, input_cost, output_cost, generation_cost, total_cost, cost_status,
                                 latency_ms, status, created_at)
   select $1::uuid, s.service, 'simulator', s.model, '/api/v1/seeded', 'seed_' || gen_random_uuid()::text,
          s.tin, s.tout, s.images, s.cin, s.cout, s.cgen, s.cin + s.cout + s.cgen, 'priced', 200 + (i % 900),
          case when i % 50 = 0 then 'error' else 'success' end,
          now() - make_interval(secs => (i::double precision / $2) * 90 * 86400)
     from generate_series(1, $2) as i,
     lateral (select
        (array['chat', 'chat', 'content', 'image', 'video'])[1 + i % 5] as service,
        (array['gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini', 'dall-e-3', 'gen4_turbo'])[1 + i % 5] as model,
        case when i % 5 in (0, 1, 2) then 200 + i % 800 else 0 end as tin,
        case when i % 5 in (0, 1, 2) then 100 + i % 400 else 0 end as tout,
        case when i % 5 = 3 then 1 else 0 end as images,
        case when i % 5 in (0, 1, 2) then (200 + i % 800) * 0.00000015 else 0 end as cin,
        case when i % 5 in (0, 1, 2) then (100 + i % 400) * 0.0000006 else 0 end as cout,
        case i % 5 when 3 then 0.04 when 4 then 0.25 else 0 end as cgen) s`,
  [userId, rows],
)
// The rollups the gateway keeps, rebuilt from this user's rows.
await client.query('delete from public.usage_aggregations where user_id = $1', [userId])
for (const period of ['day', 'week', 'month']) {
  await client.query(
    `insert into public.usage_aggregations (user_id, period_type, period_start, service_type, provider, model, request_count,
        success_count, error_count, input_tokens, output_tokens, images_generated, total_cost, total_latency_ms)
     select user_id, $2, date_trunc($2, created_at at time zone 'UTC')::date, service_type, provider, model, count(*),
            count(*) filter (where status = 'success'), count(*) filter (where status <> 'success'),
            sum(input_tokens), sum(output_tokens), sum(images_generated), coalesce(sum(total_cost), 0), sum(latency_ms)
       from public.api_usage where user_id = $1 group by 1, 2, 3, 4, 5, 6`,
    [userId, period],
  )
}
// And the period's counters, as settlement would have kept them.
await client.query(
  `update public.user_subscriptions s set
     content_generations_used = c.content, image_generations_used = c.image, video_generations_used = c.video,
     chat_messages_used = c.chat, period_cost = c.cost
   from (select count(*) filter (where a.status = 'success' and a.service_type = 'content') as content,
                coalesce(sum(a.images_generated) filter (where a.status = 'success' and a.service_type = 'image'), 0) as image,
                count(*) filter (where a.status = 'success' and a.service_type = 'video') as video,
                count(*) filter (where a.status = 'success' and a.service_type = 'chat') as chat,
                coalesce(sum(a.total_cost), 0) as cost
           from public.api_usage a, public.user_subscriptions p
          where a.user_id = $1 and p.user_id = $1 and a.created_at >= p.billing_period_start and a.created_at < p.billing_period_end) c
   where s.user_id = $1`,
  [userId],
)
await client.query('commit')
await client.query('analyze public.api_usage')
await client.query('analyze public.usage_aggregations')
console.log(`seeded ${rows.toLocaleString('en-US')} rows for ${email} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
await client.end()
