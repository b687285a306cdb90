// The console benchmark's data: `users` users on a mix of plans and `rows` usage rows over the
// last 90 days, written set-based (generate_series) straight into the tables, then the console
// rollups rebuilt from them (console_rebuild) and the users' own rollups (usage_aggregations)
// as the gateway would have kept them. A throwaway database only: triggers are skipped while
// seeding (session_replication_role = replica) and the secondary indexes built afterwards.
import type pg from 'pg'

const step = async (label: string, fn: () => Promise<unknown>) => {
  const t = Date.now()
  await fn()
  console.log(`  ${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`)
}

export async function seedConsole(sql: pg.Client, users: number, rows: number): Promise<void> {
  await sql.query(`set maintenance_work_mem = '512MB'; set work_mem = '256MB'; set synchronous_commit = off`)
  await step(`${users.toLocaleString('en-US')} users`, async () => {
    await sql.query(`insert into auth.users (email, created_at) select 'user' || i || '@bench.test', now() - make_interval(days => 120 - i % 120)
                       from generate_series(1, $1) i`, [users])
    // Plans: 5 % demo, 55 % free, 30 % pro, 10 % business; most active, some past due or canceled.
    await sql.query(`update public.user_subscriptions s set
                       plan_type = p.plan, plan_name = initcap(p.plan), created_at = u.created_at,
                       status = case when n % 23 = 0 then 'canceled' when n % 31 = 0 then 'past_due' else 'active' end
                       from (select id, created_at, row_number() over (order by email) as n from auth.users) u,
                       lateral (select case when u.n % 20 = 0 then 'demo' when u.n % 20 < 12 then 'free' when u.n % 20 < 18 then 'pro' else 'business' end as plan) p
                      where s.user_id = u.id`)
    await sql.query(`update public.plans set price = case id when 'pro' then 20 when 'business' then 99 else 0 end where price = 0`)
    await sql.query(`create table bench_users as select id, row_number() over (order by email) as n from auth.users`)
    await sql.query(`create unique index on bench_users (n)`)
  })

  const indexes = (await sql.query<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = 'public' and i.tablename = 'api_usage'
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
  )).rows
  await step(`${rows.toLocaleString('en-US')} usage rows`, async () => {
    for (const ix of indexes) await sql.query(`drop index public.${ix.name}`)
    // The months (partitions of api_usage) the last 90 days fall in.
    await sql.query(`select public.api_usage_partition_for(now() - make_interval(months => m)) from generate_series(0, 3) m`)
    await sql.query('set session_replication_role = replica')
    // In chunks of a million, so progress shows and no statement holds everything at once.
    for (let start = 1; start <= rows; start += 1_000_000) {
      const end = Math.min(rows, start + 999_999)
      await sql.query(
        `insert into public.api_usage (id, user_id, service_type, provider, model, endpoint, request_id, input_tokens, output_tokens,
                                       input_cost, output_cost, generation_cost, total_cost, cost_status, latency_ms, status, error_code, created_at)
         select lpad(to_hex(i), 32, '0')::uuid, u.id, 'chat', m.provider, m.model, '/v1/chat/completions', 'bench_' || i, t.tin, t.tout,
                c.cin, c.cout, case when c.cin is null then null else 0 end, c.cin + c.cout,
                case when m.model = 'mystery-model' then 'unpriced' when i % 97 = 0 then 'estimated' else 'priced' end,
                case when st.status in ('rate_limited', 'limit_exceeded') then 1 else 150 + (i * 37) % 2500 + (i % 101) * (i % 7) end,
                st.status, st.code, now() - make_interval(secs => (i::float8 / $3) * 90 * 86400)
           from generate_series($1::bigint, $2::bigint) i
           join bench_users u on u.n = 1 + floor($4 * power(((i * 7919) % 10007) / 10007.0, 2))::int
           cross join lateral (select (array['openai', 'openai', 'openai', 'anthropic', 'anthropic', 'google', 'openai'])[1 + i % 7] as provider,
                                      (array['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'claude-sonnet-4', 'claude-haiku-4', 'gemini-2.5-flash', 'mystery-model'])[1 + i % 7] as model) m
           cross join lateral (select 200 + i % 800 as tin, 100 + i % 400 as tout) t
           cross join lateral (select case when m.model = 'mystery-model' then null else t.tin * 0.0000025 end as cin,
                                      case when m.model = 'mystery-model' then null else t.tout * 0.00001 end as cout) c
           cross join lateral (select case when i % 53 = 0 then 'error' when i % 89 = 0 then 'rate_limited' when i % 211 = 0 then 'client_aborted' else 'success' end as status,
                                      case when i % 53 = 0 then (array['upstream_timeout', 'upstream_5xx', 'upstream_overloaded'])[1 + i % 3]
                                           when i % 89 = 0 then 'rate_limit_exceeded' end as code) st`,
        [start, end, rows, users],
      )
      process.stdout.write(`    ${end.toLocaleString('en-US')}\r`)
    }
    await sql.query('set session_replication_role = origin')
  })
  await step('api_usage indexes', async () => {
    for (const ix of indexes) await sql.query(ix.def)
  })
  await step('console_rebuild()', () => sql.query('select public.console_rebuild()'))
  await step('usage_aggregations (day, week, month)', async () => {
    await sql.query(
      `insert into public.usage_aggregations (user_id, period_type, period_start, service_type, provider, model, request_count,
          success_count, error_count, input_tokens, output_tokens, total_cost, unpriced_count, total_latency_ms)
       select user_id, 'day', (created_at at time zone 'UTC')::date, service_type, provider, model, count(*),
              count(*) filter (where status = 'success'), count(*) filter (where status <> 'success'), sum(input_tokens), sum(output_tokens),
              coalesce(sum(total_cost), 0), count(*) filter (where total_cost is null), coalesce(sum(latency_ms), 0)
         from public.api_usage group by 1, 3, 4, 5, 6`,
    )
    for (const period of ['week', 'month'])
      await sql.query(
        `insert into public.usage_aggregations (user_id, period_type, period_start, service_type, provider, model, request_count,
            success_count, error_count, input_tokens, output_tokens, total_cost, unpriced_count, total_latency_ms)
         select user_id, $1, date_trunc($1, period_start)::date, service_type, provider, model, sum(request_count), sum(success_count),
                sum(error_count), sum(input_tokens), sum(output_tokens), sum(total_cost), sum(unpriced_count), sum(total_latency_ms)
           from public.usage_aggregations where period_type = 'day' group by 1, 3, 4, 5, 6`,
        [period],
      )
  })
  await step('invoices, alerts, analyze', async () => {
    // Business users pay through Stripe: one invoice a month for the last three months.
    await sql.query(`insert into public.stripe_invoices (id, user_id, customer, subscription, amount_paid, currency, period_start, period_end, paid_at)
                     select 'in_' || u.n || '_' || m, u.id, 'cus_' || u.n, 'sub_' || u.n, 9900, 'usd',
                            date_trunc('month', now()) - make_interval(months => m), date_trunc('month', now()) - make_interval(months => m - 1),
                            date_trunc('month', now()) - make_interval(months => m)
                       from bench_users u join public.user_subscriptions s on s.user_id = u.id and s.plan_type = 'business', generate_series(0, 2) m`)
    await sql.query(`insert into public.usage_alerts (user_id, alert_type, threshold_percent, period_start, current_value, limit_value, message, created_at)
                     select u.id, 'budget', (array[50, 80, 100])[1 + k], date_trunc('month', now()) - make_interval(months => m), 1, 1,
                            'Budget ' || (array[50, 80, 100])[1 + k] || ' % used',
                            least(now(), date_trunc('month', now()) - make_interval(months => m) + make_interval(hours => (u.n % 600 + k)::int))
                       from bench_users u, generate_series(0, 2) m, generate_series(0, 2) k where u.n % 7 = 0`)
    await sql.query('drop table bench_users')
    await sql.query('analyze')
  })
}
