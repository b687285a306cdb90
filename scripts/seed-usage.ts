// `node --import tsx scripts/seed-usage.ts <email> [rows] [months]`: gives a user `rows`
// synthetic usage rows spread evenly over the last `months` months (default 1,000,000 rows over
// 3 months, ~90 days), with the rollups and counters that the gateway would have written for
// them. For benchmarks and screenshots; never for production.
//
// Set-based and one month (one partition of api_usage) per transaction, so a seed of a hundred
// million rows reports progress and keeps what it finished. Ids and request ids ascend within a
// seed (a random run prefix, then a counter): the indexes are appended to rather than split at
// random, which makes the seed several times faster and the indexes ~30 % smaller than the
// gateway's random ones; the benchmark's probes are by user and time, which this does not change.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { env } from '../lib/env'

const [email, rowsArg, monthsArg] = process.argv.slice(2)
const rows = Number(rowsArg ?? 1_000_000)
const months = Number(monthsArg ?? 3)
if (!email || !Number.isSafeInteger(rows) || rows < 1 || !Number.isSafeInteger(months) || months < 1 || months > 240) {
  console.error('usage: node --import tsx scripts/seed-usage.ts <email> [rows] [months 1-240]')
  process.exit(2)
}
if (!env.DATABASE_URL) {
  console.error('DATABASE_URL must point at the database to seed')
  process.exit(2)
}

const DAY_MS = 86_400_000
const client = new pg.Client({ connectionString: env.DATABASE_URL })
await client.connect()
const started = Date.now()
const { rows: users } = await client.query<{ id: string }>('select id::text from auth.users where lower(email) = lower($1)', [email])
if (!users[0]) throw new Error(`no user ${email}`)
const userId = users[0].id
const run = randomBytes(4).toString('hex')
await client.query(`set maintenance_work_mem = '256MB'`)

// The span ends now and starts `months` average months ago; each UTC month in it gets its share.
const end = Date.now()
const begin = end - Math.round(months * 30.4375 * DAY_MS)
const slices: { from: number; to: number; count: number; first: number }[] = []
let first = 0
for (let t = begin; t < end; ) {
  const d = new Date(t)
  const next = Math.min(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), end)
  const count = next === end ? rows - first : Math.round((rows * (next - begin)) / (end - begin)) - first
  if (count > 0) slices.push({ from: t, to: next, count, first })
  first += Math.max(count, 0)
  t = next
}

await client.query('delete from public.usage_aggregations where user_id = $1', [userId])
for (const s of slices) {
  const t0 = Date.now()
  await client.query('begin')
  await client.query('select public.api_usage_partition_for($1)', [new Date(s.from).toISOString()])
  // Rows straight into the table (the audit log's trigger only refuses UPDATE and DELETE).
  await client.query(
    `insert into public.api_usage (id, user_id, service_type, provider, model, endpoint, request_id, input_tokens, output_tokens,
                                   images_generated, input_cost, output_cost, generation_cost, total_cost, cost_status,
                                   latency_ms, status, created_at)
     select ($5 || lpad(to_hex($4::bigint + i), 24, '0'))::uuid, $1::uuid, s.service, 'simulator', s.model, '/api/v1/seeded',
            'seed_' || $5 || '_' || ($4::bigint + i), s.tin, s.tout, s.images, s.cin, s.cout, s.cgen, s.cin + s.cout + s.cgen, 'priced',
            200 + (i % 900), case when i % 50 = 0 then 'error' else 'success' end,
            $2::timestamptz + ($3::timestamptz - $2::timestamptz) * ((i - 1)::double precision / $6)
       from generate_series(1, $6::bigint) as i,
       lateral (select
          (array['chat', 'chat', 'content', 'image', 'video'])[1 + i % 5] as service,
          (array['gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini', 'dall-e-3', 'gen4_turbo'])[1 + i % 5] as model,
          case when i % 5 in (0, 1, 2) then 200 + i % 800 else 0 end as tin,
          case when i % 5 in (0, 1, 2) then 100 + i % 400 else 0 end as tout,
          case when i % 5 = 3 then 1 else 0 end as images,
          case when i % 5 in (0, 1, 2) then (200 + i % 800) * 0.00000015 else 0 end as cin,
          case when i % 5 in (0, 1, 2) then (100 + i % 400) * 0.0000006 else 0 end as cout,
          case i % 5 when 3 then 0.04 when 4 then 0.25 else 0 end as cgen) s`,
    [userId, new Date(s.from).toISOString(), new Date(s.to).toISOString(), s.first, run, s.count],
  )
  // The rollups the gateway keeps, from this month's rows in one pass (a week that began last
  // month adds to what that month wrote).
  await client.query(
    `insert into public.usage_aggregations as a (user_id, period_type, period_start, service_type, provider, model, request_count,
        success_count, error_count, input_tokens, output_tokens, images_generated, total_cost, total_latency_ms)
     select u.user_id, p.period, date_trunc(p.period, u.created_at at time zone 'UTC')::date, u.service_type, u.provider, u.model, count(*),
            count(*) filter (where u.status = 'success'), count(*) filter (where u.status <> 'success'),
            sum(u.input_tokens), sum(u.output_tokens), sum(u.images_generated), coalesce(sum(u.total_cost), 0), sum(u.latency_ms)
       from public.api_usage u cross join (values ('day'), ('week'), ('month')) p(period)
      where u.user_id = $1 and u.created_at >= $2 and u.created_at < $3
      group by 1, 2, 3, 4, 5, 6
     on conflict (user_id, period_type, period_start, service_type, provider, model) do update set
        request_count = a.request_count + excluded.request_count, success_count = a.success_count + excluded.success_count,
        error_count = a.error_count + excluded.error_count, input_tokens = a.input_tokens + excluded.input_tokens,
        output_tokens = a.output_tokens + excluded.output_tokens, images_generated = a.images_generated + excluded.images_generated,
        total_cost = a.total_cost + excluded.total_cost, total_latency_ms = a.total_latency_ms + excluded.total_latency_ms`,
    [userId, new Date(s.from).toISOString(), new Date(s.to).toISOString()],
  )
  await client.query('commit')
  const done = s.first + s.count
  console.log(`  ${new Date(s.from).toISOString().slice(0, 7)}: ${s.count.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s (${done.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')}, ${((Date.now() - started) / 1000).toFixed(0)} s)`)
}
// And the period's counters, as settlement would have kept them (the period's months only).
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
await client.query('analyze public.api_usage')
await client.query('analyze public.usage_aggregations')
console.log(`seeded ${rows.toLocaleString('en-US')} rows over ${slices.length} month(s) for ${email} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
await client.end()
