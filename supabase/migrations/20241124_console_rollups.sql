-- Console rollups: what the operator console reads instead of scanning api_usage. Written by
-- record_usage in the same transaction as the usage row (console_record), rebuilt from the
-- ledger by console_rebuild(). Also stripe_invoices: what Stripe says each user paid, written
-- by the webhook on invoice.paid, so revenue can use Stripe's amounts where it knows them.
-- None of these tables has a policy for `authenticated` or `anon`: only the app's login (the
-- owner) reads them, on the server, after checking the operator role. Safe to run twice.

-- Latency histograms are bigint[64] of log-spaced buckets (factor 1.25): bucket 1 holds calls
-- of <= 1 ms, bucket k (2..63) those in (1.25^(k-2), 1.25^(k-1)] ms, bucket 64 everything
-- slower than 1.25^62 ms (~17 min). Summing arrays is exact, so p50/p95 over any range come
-- from rollups with at most one bucket (25 %) of error. lib/admin/histogram.ts reads them.
create or replace function public.console_latency_bucket(ms integer) returns integer
  language sql immutable parallel safe
  set search_path = ''
  as $$
  select case when ms is null then null
              when ms <= 1 then 1
              else least(64, 1 + ceil(ln(ms::float8) / ln(1.25::float8))::integer) end
$$;
revoke all on function public.console_latency_bucket(integer) from public, anon, authenticated;

-- Per UTC day, provider and model: the Overview's and Models page's numbers. `shard` spreads
-- the writes of parallel settlements over a few rows (each session writes the row of its
-- backend pid's shard), so a popular model's day is not one hot row; readers sum the shards.
create table if not exists public.console_model_days (
  day date not null,
  provider text not null,
  model text not null,
  shard integer not null check (shard between 0 and 7),
  calls bigint not null default 0,
  successes bigint not null default 0,
  -- status 'error' (the provider or the call failed); refusals (rate_limited, limit_exceeded)
  -- never reached a provider; aborted: the client went away.
  errors bigint not null default 0,
  refused bigint not null default 0,
  aborted bigint not null default 0,
  -- Every call that did not succeed, by its error code (its status when it has none).
  error_codes jsonb not null default '{}'::jsonb,
  cost numeric(24, 12) not null default 0,
  unpriced bigint not null default 0,
  estimated bigint not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  images_generated bigint not null default 0,
  video_seconds numeric(16, 3) not null default 0,
  -- Calls that reached a provider (not refused) and have a latency.
  latency_hist bigint[] not null default array_fill(0::bigint, array[64]),
  primary key (day, provider, model, shard)
);
comment on table public.console_model_days is
  'Console rollup per UTC day x provider x model (x write shard), written with each usage row. Server only (operators).';
alter table public.console_model_days enable row level security;
revoke all on public.console_model_days from anon, authenticated;
grant all on public.console_model_days to service_role;

-- Per hour and provider: the Providers page's last hour and last day.
create table if not exists public.console_provider_hours (
  hour timestamptz not null,
  provider text not null,
  shard integer not null check (shard between 0 and 7),
  calls bigint not null default 0,
  errors bigint not null default 0,
  refused bigint not null default 0,
  aborted bigint not null default 0,
  error_codes jsonb not null default '{}'::jsonb,
  latency_hist bigint[] not null default array_fill(0::bigint, array[64]),
  last_error text,
  last_error_at timestamptz,
  primary key (hour, provider, shard)
);
comment on table public.console_provider_hours is
  'Console rollup per hour x provider (x write shard): calls, errors by code, latency histogram, last error. Server only (operators).';
alter table public.console_provider_hours enable row level security;
revoke all on public.console_provider_hours from anon, authenticated;
grant all on public.console_provider_hours to service_role;

-- Per UTC day and user: top users by cost. Accounting, like usage_aggregations: it keeps its
-- rows when the user is erased (no foreign key), and holds nothing that describes a person.
create table if not exists public.console_user_days (
  day date not null,
  user_id uuid not null,
  calls bigint not null default 0,
  errors bigint not null default 0,
  cost numeric(24, 12) not null default 0,
  unpriced bigint not null default 0,
  estimated bigint not null default 0,
  primary key (day, user_id)
);
comment on table public.console_user_days is
  'Console rollup per UTC day x user: calls and cost, for top users. Kept when the user is erased. Server only (operators).';
alter table public.console_user_days enable row level security;
revoke all on public.console_user_days from anon, authenticated;
grant all on public.console_user_days to service_role;

-- Per UTC month and user: the same numbers, so top users over a range read whole months from
-- here and only the shorter side of each partial month from console_user_days (at most about
-- half a month of days), instead of every user's every day. Accounting like console_user_days.
create table if not exists public.console_user_months (
  month date not null check (month = date_trunc('month', month)::date),
  user_id uuid not null,
  calls bigint not null default 0,
  errors bigint not null default 0,
  cost numeric(24, 12) not null default 0,
  unpriced bigint not null default 0,
  estimated bigint not null default 0,
  primary key (month, user_id)
);
comment on table public.console_user_months is
  'Console rollup per UTC month x user: calls and cost, for top users over long ranges. Kept when the user is erased. Server only (operators).';
alter table public.console_user_months enable row level security;
revoke all on public.console_user_months from anon, authenticated;
grant all on public.console_user_months to service_role;

-- Alerts raised in a period, for every user (the existing index is per user).
create index if not exists usage_alerts_created_idx on public.usage_alerts (created_at desc);

-- console_record: books one usage row in the console rollups. Called by record_usage after it
-- has locked the user's subscription, so the per-user row is locked after user_subscriptions
-- (admission's order), then the global rows, always in the same table order: two settlements
-- each hold at most one row per table and take them in one order, so they cannot deadlock.
create or replace function public.console_record(r public.api_usage) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  v_day date := (r.created_at at time zone 'UTC')::date;
  v_shard integer := pg_backend_pid() % 8;
  v_refused boolean := r.status in ('rate_limited', 'limit_exceeded');
  v_b integer := case when r.status in ('rate_limited', 'limit_exceeded') then null else public.console_latency_bucket(r.latency_ms) end;
  v_code text := case when r.status <> 'success' then left(coalesce(nullif(r.error_code, ''), r.status), 60) end;
  v_one_code jsonb := case when r.status <> 'success' then jsonb_build_object(left(coalesce(nullif(r.error_code, ''), r.status), 60), 1) else '{}'::jsonb end;
  v_hist bigint[] := array_fill(0::bigint, array[64]);
  v_err text := case when r.status = 'error' then left(coalesce(nullif(r.error_code, ''), 'error') || coalesce(': ' || (r.metadata ->> 'error_message'), ''), 300) end;
begin
  if v_b is not null then
    v_hist[v_b] := 1;
  end if;
  insert into public.console_user_days as t (day, user_id, calls, errors, cost, unpriced, estimated)
  values (v_day, r.user_id, 1, (r.status = 'error')::integer, coalesce(r.total_cost, 0),
          (r.cost_status = 'unpriced')::integer, (r.cost_status = 'estimated')::integer)
  on conflict (day, user_id) do update set
    calls = t.calls + 1,
    errors = t.errors + excluded.errors,
    cost = t.cost + excluded.cost,
    unpriced = t.unpriced + excluded.unpriced,
    estimated = t.estimated + excluded.estimated;

  insert into public.console_user_months as t (month, user_id, calls, errors, cost, unpriced, estimated)
  values (date_trunc('month', v_day)::date, r.user_id, 1, (r.status = 'error')::integer, coalesce(r.total_cost, 0),
          (r.cost_status = 'unpriced')::integer, (r.cost_status = 'estimated')::integer)
  on conflict (month, user_id) do update set
    calls = t.calls + 1,
    errors = t.errors + excluded.errors,
    cost = t.cost + excluded.cost,
    unpriced = t.unpriced + excluded.unpriced,
    estimated = t.estimated + excluded.estimated;

  insert into public.console_model_days as t (
    day, provider, model, shard, calls, successes, errors, refused, aborted, error_codes, cost, unpriced, estimated,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds, latency_hist
  ) values (
    v_day, r.provider, r.model, v_shard, 1, (r.status = 'success')::integer, (r.status = 'error')::integer, v_refused::integer,
    (r.status = 'client_aborted')::integer, v_one_code, coalesce(r.total_cost, 0), (r.cost_status = 'unpriced')::integer,
    (r.cost_status = 'estimated')::integer, r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens,
    r.images_generated, r.video_seconds, v_hist
  )
  on conflict (day, provider, model, shard) do update set
    calls = t.calls + 1,
    successes = t.successes + excluded.successes,
    errors = t.errors + excluded.errors,
    refused = t.refused + excluded.refused,
    aborted = t.aborted + excluded.aborted,
    error_codes = case when v_code is null then t.error_codes
                       else jsonb_set(t.error_codes, array[v_code], to_jsonb(coalesce((t.error_codes ->> v_code)::bigint, 0) + 1)) end,
    cost = t.cost + excluded.cost,
    unpriced = t.unpriced + excluded.unpriced,
    estimated = t.estimated + excluded.estimated,
    input_tokens = t.input_tokens + excluded.input_tokens,
    output_tokens = t.output_tokens + excluded.output_tokens,
    cached_tokens = t.cached_tokens + excluded.cached_tokens,
    reasoning_tokens = t.reasoning_tokens + excluded.reasoning_tokens,
    images_generated = t.images_generated + excluded.images_generated,
    video_seconds = t.video_seconds + excluded.video_seconds,
    -- A null subscript may not be assigned: a call without latency adds 0 to bucket 1.
    latency_hist[coalesce(v_b, 1)] = t.latency_hist[coalesce(v_b, 1)] + (v_b is not null)::integer;

  insert into public.console_provider_hours as t (
    hour, provider, shard, calls, errors, refused, aborted, error_codes, latency_hist, last_error, last_error_at
  ) values (
    date_trunc('hour', r.created_at), r.provider, v_shard, 1, (r.status = 'error')::integer, v_refused::integer,
    (r.status = 'client_aborted')::integer, v_one_code, v_hist, v_err, case when v_err is not null then r.created_at end
  )
  on conflict (hour, provider, shard) do update set
    calls = t.calls + 1,
    errors = t.errors + excluded.errors,
    refused = t.refused + excluded.refused,
    aborted = t.aborted + excluded.aborted,
    error_codes = case when v_code is null then t.error_codes
                       else jsonb_set(t.error_codes, array[v_code], to_jsonb(coalesce((t.error_codes ->> v_code)::bigint, 0) + 1)) end,
    latency_hist[coalesce(v_b, 1)] = t.latency_hist[coalesce(v_b, 1)] + (v_b is not null)::integer,
    -- Rows can be written late (spool replays): the newest error wins, not the last written.
    last_error = case when v_err is not null and r.created_at >= coalesce(t.last_error_at, '-infinity') then v_err else t.last_error end,
    last_error_at = case when v_err is not null and r.created_at >= coalesce(t.last_error_at, '-infinity') then r.created_at else t.last_error_at end;
end
$$;
comment on function public.console_record(public.api_usage) is
  'Books one api_usage row in the console rollups. Called by record_usage only, in its transaction. Server only.';
revoke all on function public.console_record(public.api_usage) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- record_usage: exactly as in 20241122_rate_window_tokens_service_quotas.sql, plus one line at
-- the end: the row is booked in the console rollups (console_record), after the settle block
-- has locked the user's subscription (see console_record for the lock order).
create or replace function public.record_usage(p jsonb) returns boolean
  language plpgsql
  set search_path = ''
  as $$
declare
  r public.api_usage;
  s public.user_subscriptions;
  h public.usage_holds;
  period text;
  bucket date;
  succeeded boolean;
  d_ip inet := (p ->> 'ip_address')::inet;
  d_agent text := p ->> 'user_agent';
  d_request jsonb := nullif(p -> 'request_payload', 'null'::jsonb);
  d_response jsonb := nullif(p -> 'response_payload', 'null'::jsonb);
  counter public.service_counter;
  units integer;
  token_delta bigint;
begin
  insert into public.api_usage (
    user_id, service_type, provider, model, endpoint, request_id, campaign_id,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds,
    input_cost, output_cost, generation_cost, total_cost, price_snapshot, cost_status,
    latency_ms, time_to_first_token_ms, status, error_code, metadata, created_at
  )
  select x.user_id, x.service_type, x.provider, x.model, x.endpoint, x.request_id, x.campaign_id,
         coalesce(x.input_tokens, 0), coalesce(x.output_tokens, 0), coalesce(x.cached_tokens, 0),
         coalesce(x.reasoning_tokens, 0), coalesce(x.images_generated, 0), coalesce(x.video_seconds, 0),
         x.input_cost, x.output_cost, x.generation_cost, x.total_cost, x.price_snapshot,
         coalesce(x.cost_status, 'priced'), x.latency_ms, x.time_to_first_token_ms, x.status, x.error_code,
         coalesce(x.metadata, '{}'::jsonb), coalesce(x.created_at, now())
    from jsonb_populate_record(null::public.api_usage, p) x
  on conflict (request_id) do nothing
  returning * into r;
  if r.id is null then
    return false;
  end if;

  -- A call of a user deleted meanwhile fails this insert's foreign key (a data error): the
  -- caller then records the call again without its personal data, so the ledger stays whole.
  if d_ip is not null or d_agent is not null or d_request is not null or d_response is not null then
    insert into public.api_usage_details (request_id, user_id, ip_address, user_agent, request_payload, response_payload, created_at)
    values (r.request_id, r.user_id, d_ip, d_agent, d_request, d_response, r.created_at);
  end if;

  succeeded := r.status = 'success';
  foreach period in array array['day', 'week', 'month'] loop
    bucket := date_trunc(period, r.created_at at time zone 'UTC')::date;
    insert into public.usage_aggregations as a (
      user_id, period_type, period_start, service_type, provider, model,
      request_count, success_count, error_count, input_tokens, output_tokens, cached_tokens,
      reasoning_tokens, images_generated, video_seconds, total_cost, unpriced_count, total_latency_ms
    ) values (
      r.user_id, period, bucket, r.service_type, r.provider, r.model,
      1, case when succeeded then 1 else 0 end, case when succeeded then 0 else 1 end,
      r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens, r.images_generated,
      r.video_seconds, coalesce(r.total_cost, 0), case when r.total_cost is null then 1 else 0 end,
      coalesce(r.latency_ms, 0)
    )
    on conflict (user_id, period_type, period_start, service_type, provider, model) do update set
      request_count = a.request_count + 1,
      success_count = a.success_count + excluded.success_count,
      error_count = a.error_count + excluded.error_count,
      input_tokens = a.input_tokens + excluded.input_tokens,
      output_tokens = a.output_tokens + excluded.output_tokens,
      cached_tokens = a.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = a.reasoning_tokens + excluded.reasoning_tokens,
      images_generated = a.images_generated + excluded.images_generated,
      video_seconds = a.video_seconds + excluded.video_seconds,
      total_cost = a.total_cost + excluded.total_cost,
      unpriced_count = a.unpriced_count + excluded.unpriced_count,
      total_latency_ms = a.total_latency_ms + excluded.total_latency_ms;
  end loop;

  -- Settle: book the call's use and cost in the period it falls in (rolling the period first
  -- if it has ended), release its hold, correct its tokens in the rate window, and raise any
  -- threshold alerts it crossed. Locks in gateway_admit's order: the subscription, then the
  -- hold, then the rate row, so the two can never deadlock.
  select * into s from public.user_subscriptions where user_id = r.user_id for update;
  delete from public.usage_holds where request_id = r.request_id returning * into h;

  -- The window booked the estimate in the second of admission; it now holds the actual count.
  -- A call whose hold is gone (expired) or whose second has left the window needs nothing.
  token_delta := r.input_tokens + r.output_tokens - coalesce(h.tokens, 0);
  if h.request_id is not null and token_delta <> 0 and h.rate_second is not null then
    update public.api_rate_limits l
       set window_tokens = l.window_tokens[:i - 1] || greatest(coalesce(l.window_tokens[i], 0) + token_delta, 0) || l.window_tokens[i + 1:]
      from (select id, array_position(window_seconds, h.rate_second) as i
              from public.api_rate_limits where user_id = r.user_id and service_type = r.service_type) as b
     where l.id = b.id and b.i is not null;
  end if;

  if s.id is not null then
    s := public.roll_subscription_period(s.id);
    if r.created_at >= s.billing_period_start then
      counter := public.service_counter(r.service_type);
      if succeeded and counter.used_column is not null then
        -- The counter's column comes from service_counter() (identifiers, quoted by %I), never
        -- from the caller; a call counts one unit, or its row's units_column (images).
        units := case when counter.units_column is null then 1 else (to_jsonb(r) ->> counter.units_column)::integer end;
        execute format('update public.user_subscriptions u set %1$I = u.%1$I + $1, period_cost = u.period_cost + $2 where u.id = $3 returning *',
                       counter.used_column)
           into s using units, coalesce(r.total_cost, 0), s.id;
      elsif succeeded then
        -- A service without quota columns: its successful calls counted in the map.
        update public.user_subscriptions u
           set service_used = u.service_used || jsonb_build_object(r.service_type, coalesce((u.service_used ->> r.service_type)::integer, 0) + 1),
               period_cost = u.period_cost + coalesce(r.total_cost, 0)
         where u.id = s.id
        returning * into s;
      else
        update public.user_subscriptions u set period_cost = u.period_cost + coalesce(r.total_cost, 0)
         where u.id = s.id
        returning * into s;
      end if;
      perform public.raise_usage_alerts(s, r.service_type);
    end if;
  end if;
  perform public.console_record(r);
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call (ledger row, its personal data beside it), its rollups, counters and alerts, releases its hold and corrects its tokens in the rate window, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------
-- console_rebuild: the console rollups recomputed from the ledger (api_usage), for a
-- deployment that had usage before they existed, or after a restore. One transaction; it
-- locks the rollups against record_usage first (a settlement meanwhile waits, then adds its
-- row on top of the rebuilt totals, which do not include it: nothing counted twice or lost).
-- The rebuilt rows all use shard 0. Set-based: one pass over api_usage per table.
create or replace function public.console_rebuild() returns void
  language plpgsql
  set search_path = ''
  as $$
begin
  lock table public.console_user_days, public.console_user_months, public.console_model_days, public.console_provider_hours in exclusive mode;
  delete from public.console_user_days;
  delete from public.console_user_months;
  delete from public.console_model_days;
  delete from public.console_provider_hours;

  insert into public.console_user_days (day, user_id, calls, errors, cost, unpriced, estimated)
  select (u.created_at at time zone 'UTC')::date, u.user_id, count(*), count(*) filter (where u.status = 'error'),
         coalesce(sum(u.total_cost), 0), count(*) filter (where u.cost_status = 'unpriced'),
         count(*) filter (where u.cost_status = 'estimated')
    from public.api_usage u
   group by 1, 2;

  insert into public.console_user_months (month, user_id, calls, errors, cost, unpriced, estimated)
  select date_trunc('month', d.day)::date, d.user_id, sum(d.calls), sum(d.errors), sum(d.cost), sum(d.unpriced), sum(d.estimated)
    from public.console_user_days d
   group by 1, 2;

  -- One pass grouped finely (bucket and error code included), then folded per table.
  create temporary table console_fine on commit drop as
  select date_trunc('hour', u.created_at) as hour, (u.created_at at time zone 'UTC')::date as day, u.provider, u.model,
         case when u.status in ('rate_limited', 'limit_exceeded') then null else public.console_latency_bucket(u.latency_ms) end as b,
         case when u.status <> 'success' then left(coalesce(nullif(u.error_code, ''), u.status), 60) end as code,
         count(*) as calls, count(*) filter (where u.status = 'success') as successes,
         count(*) filter (where u.status = 'error') as errors,
         count(*) filter (where u.status in ('rate_limited', 'limit_exceeded')) as refused,
         count(*) filter (where u.status = 'client_aborted') as aborted,
         coalesce(sum(u.total_cost), 0) as cost, count(*) filter (where u.cost_status = 'unpriced') as unpriced,
         count(*) filter (where u.cost_status = 'estimated') as estimated,
         sum(u.input_tokens) as input_tokens, sum(u.output_tokens) as output_tokens, sum(u.cached_tokens) as cached_tokens,
         sum(u.reasoning_tokens) as reasoning_tokens, sum(u.images_generated) as images_generated, sum(u.video_seconds) as video_seconds
    from public.api_usage u
   group by 1, 2, 3, 4, 5, 6;

  insert into public.console_model_days (
    day, provider, model, shard, calls, successes, errors, refused, aborted, error_codes, cost, unpriced, estimated,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds, latency_hist
  )
  select t.day, t.provider, t.model, 0, t.calls, t.successes, t.errors, t.refused, t.aborted, coalesce(c.codes, '{}'::jsonb),
         t.cost, t.unpriced, t.estimated, t.input_tokens, t.output_tokens, t.cached_tokens, t.reasoning_tokens,
         t.images_generated, t.video_seconds,
         array(select coalesce((h.buckets ->> i::text)::bigint, 0) from generate_series(1, 64) i order by i)
    from (select day, provider, model, sum(calls) calls, sum(successes) successes, sum(errors) errors, sum(refused) refused,
                 sum(aborted) aborted, sum(cost) cost, sum(unpriced) unpriced, sum(estimated) estimated,
                 sum(input_tokens) input_tokens, sum(output_tokens) output_tokens, sum(cached_tokens) cached_tokens,
                 sum(reasoning_tokens) reasoning_tokens, sum(images_generated) images_generated, sum(video_seconds) video_seconds
            from console_fine group by 1, 2, 3) t
    left join (select day, provider, model, jsonb_object_agg(code, n) codes
                 from (select day, provider, model, code, sum(calls) n from console_fine where code is not null group by 1, 2, 3, 4) x
                group by 1, 2, 3) c using (day, provider, model)
    left join (select day, provider, model, jsonb_object_agg(b, n) buckets
                 from (select day, provider, model, b, sum(calls) n from console_fine where b is not null group by 1, 2, 3, 4) x
                group by 1, 2, 3) h using (day, provider, model);

  insert into public.console_provider_hours (hour, provider, shard, calls, errors, refused, aborted, error_codes, latency_hist, last_error, last_error_at)
  select t.hour, t.provider, 0, t.calls, t.errors, t.refused, t.aborted, coalesce(c.codes, '{}'::jsonb),
         array(select coalesce((h.buckets ->> i::text)::bigint, 0) from generate_series(1, 64) i order by i),
         e.last_error, e.last_error_at
    from (select hour, provider, sum(calls) calls, sum(errors) errors, sum(refused) refused, sum(aborted) aborted
            from console_fine group by 1, 2) t
    left join (select hour, provider, jsonb_object_agg(code, n) codes
                 from (select hour, provider, code, sum(calls) n from console_fine where code is not null group by 1, 2, 3) x
                group by 1, 2) c using (hour, provider)
    left join (select hour, provider, jsonb_object_agg(b, n) buckets
                 from (select hour, provider, b, sum(calls) n from console_fine where b is not null group by 1, 2, 3) x
                group by 1, 2) h using (hour, provider)
    left join (select distinct on (date_trunc('hour', u.created_at), u.provider)
                      date_trunc('hour', u.created_at) as hour, u.provider,
                      left(coalesce(nullif(u.error_code, ''), 'error') || coalesce(': ' || (u.metadata ->> 'error_message'), ''), 300) as last_error,
                      u.created_at as last_error_at
                 from public.api_usage u where u.status = 'error'
                order by date_trunc('hour', u.created_at), u.provider, u.created_at desc) e using (hour, provider);
  drop table console_fine;
end
$$;
comment on function public.console_rebuild() is
  'Recomputes the console rollups (console_user_days, console_user_months, console_model_days, console_provider_hours) from api_usage. Server only; takes a lock that pauses settlement while it runs.';
revoke all on function public.console_rebuild() from public, anon, authenticated;

-- Existing deployments: the rollups start from everything the ledger already holds.
select public.console_rebuild();

-- ---------------------------------------------------------------------------------------
-- stripe_invoices: each paid invoice as Stripe reported it (invoice.paid), once per invoice.
-- Revenue in the console uses these amounts for a user where they are known, instead of the
-- plan price accrual. Accounting: kept when the user is erased (no foreign key); the Stripe
-- customer and subscription ids are Stripe's pseudonymous references, nothing more.
create table if not exists public.stripe_invoices (
  id text primary key check (length(id) between 1 and 255),
  user_id uuid,
  customer text,
  subscription text,
  -- Stripe's integer amount in the currency's smallest unit (cents for usd).
  amount_paid bigint not null check (amount_paid >= 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  period_start timestamptz not null,
  period_end timestamptz not null,
  paid_at timestamptz not null,
  received_at timestamptz not null default now(),
  check (period_end >= period_start)
);
comment on table public.stripe_invoices is
  'Paid Stripe invoices (from invoice.paid webhooks): amount, currency, customer, subscription, user, service period. Kept when the user is erased. Server only.';
create index if not exists stripe_invoices_period_idx on public.stripe_invoices (period_start, period_end);
create index if not exists stripe_invoices_user_idx on public.stripe_invoices (user_id) where user_id is not null;
alter table public.stripe_invoices enable row level security;
revoke all on public.stripe_invoices from anon, authenticated;
grant all on public.stripe_invoices to service_role;
