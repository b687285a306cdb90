-- Batched settlement (issue 18). `record_usage` takes one row (an object, as before) or a group
-- of rows (a JSON array) and settles the whole group in one transaction and one round trip: the
-- writer (lib/metering/batch.ts) sends the rows of calls that ended within a few milliseconds
-- together, so the transaction's overhead (its WAL flush, the socket writes, the function call)
-- is paid once per group, and the rollups are updated once per key instead of once per call.
--
-- Every guarantee of the one-row version holds for each row of a group:
--   * one ledger row per request id: `on conflict do nothing` skips a row already written (a
--     retry, a spool replay), and only the rows this call wrote are booked anywhere else;
--   * the same rollups, counters, hold releases, token corrections and alerts as one call at a
--     time would give (sums are sums); an alert threshold crossed within a group is raised once
--     (usage_alerts' unique key), from the counters after the group;
--   * all or nothing: a group that fails is retried, or its rows spooled, as a whole; a group the
--     database refuses for one row's data is written again row by row by the writer.
--
-- Lock order. One transaction now holds rows of several users, so every kind of lock is taken in
-- one global order, which the one-row case (a group of one) follows too:
--   1. usage_aggregations rows, sorted by user, then day < week < month, then key;
--   2. per user, in user_id order: the subscription (for update), then the user's holds, then
--      the rate row — admission's order within a user, and users in one order across groups;
--   3. the console rollups, each table in turn, rows sorted by key.
-- Two groups sorted alike cannot wait on each other in a cycle; admission (subscription, rate
-- row, hold) touches only step 2's rows of one user.
--
-- The console's per-row function (console_record) is replaced by set-based inserts here.

-- A latency histogram (64 buckets) and a count per error code, as aggregates over a group.
create or replace function public.console_hist_step(h bigint[], b integer) returns bigint[]
  language plpgsql immutable parallel safe
  set search_path = ''
  as $$
begin
  h := coalesce(h, array_fill(0::bigint, array[64]));
  if b is not null then
    h[b] := h[b] + 1;
  end if;
  return h;
end
$$;
drop aggregate if exists public.console_hist(integer);
create aggregate public.console_hist(integer) (sfunc = public.console_hist_step, stype = bigint[]);

create or replace function public.console_codes_step(acc jsonb, code text) returns jsonb
  language sql immutable parallel safe
  set search_path = ''
  as $$
  select case when code is null then coalesce(acc, '{}'::jsonb)
              else coalesce(acc, '{}'::jsonb) || jsonb_build_object(code, coalesce((acc ->> code)::bigint, 0) + 1) end
$$;
drop aggregate if exists public.console_codes(text);
create aggregate public.console_codes(text) (sfunc = public.console_codes_step, stype = jsonb);

-- Adding a group's histogram / codes to the stored ones.
create or replace function public.console_hist_merge(a bigint[], b bigint[]) returns bigint[]
  language sql immutable parallel safe
  set search_path = ''
  as $$
  select array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i) from generate_series(1, 64) i
$$;

create or replace function public.console_codes_merge(a jsonb, b jsonb) returns jsonb
  language sql immutable parallel safe
  set search_path = ''
  as $$
  select coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
    from (select jsonb_object_keys(a) union select jsonb_object_keys(b)) ks(k)
$$;

-- The console rollups of a group: step 3 of the lock order. One statement, planned once per
-- session (plpgsql caches it): what the rollups read of a row is derived once, in `f` (as
-- console_record derived it), and the four tables are upserted from it, each table's rows in key
-- order. Every group runs this same statement, so every group takes the tables in one order.
-- Error codes are aggregated over the rows that have one only (most calls succeed).
create or replace function public.console_record_group(p_rows public.api_usage[]) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  v_shard integer := pg_backend_pid() % 8;
begin
  with f as materialized (
    select (r.created_at at time zone 'UTC')::date as day, date_trunc('hour', r.created_at) as hour, r.user_id, r.provider, r.model,
           r.status, coalesce(r.total_cost, 0) as cost, r.cost_status, r.status in ('rate_limited', 'limit_exceeded') as refused,
           -- public.console_latency_bucket(latency_ms), inline: refusals never reached a provider.
           case when r.status in ('rate_limited', 'limit_exceeded') or r.latency_ms is null then null
                when r.latency_ms <= 1 then 1
                else least(64, 1 + ceil(ln(r.latency_ms::float8) / ln(1.25::float8))::integer) end as b,
           case when r.status <> 'success' then left(coalesce(nullif(r.error_code, ''), r.status), 60) end as code,
           case when r.status = 'error' then left(coalesce(nullif(r.error_code, ''), 'error') || coalesce(': ' || (r.metadata ->> 'error_message'), ''), 300) end as err,
           r.created_at, r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens, r.images_generated, r.video_seconds
      from unnest(p_rows) r
  ),
  user_days as (
    insert into public.console_user_days as t (day, user_id, calls, errors, cost, unpriced, estimated)
    select f.day, f.user_id, count(*), count(*) filter (where f.status = 'error'), sum(f.cost),
           count(*) filter (where f.cost_status = 'unpriced'), count(*) filter (where f.cost_status = 'estimated')
      from f
     group by f.day, f.user_id
     order by f.day, f.user_id
    on conflict (day, user_id) do update set
      calls = t.calls + excluded.calls,
      errors = t.errors + excluded.errors,
      cost = t.cost + excluded.cost,
      unpriced = t.unpriced + excluded.unpriced,
      estimated = t.estimated + excluded.estimated
  ),
  user_months as (
    insert into public.console_user_months as t (month, user_id, calls, errors, cost, unpriced, estimated)
    select date_trunc('month', f.day)::date, f.user_id, count(*), count(*) filter (where f.status = 'error'), sum(f.cost),
           count(*) filter (where f.cost_status = 'unpriced'), count(*) filter (where f.cost_status = 'estimated')
      from f
     group by 1, 2
     order by 1, 2
    on conflict (month, user_id) do update set
      calls = t.calls + excluded.calls,
      errors = t.errors + excluded.errors,
      cost = t.cost + excluded.cost,
      unpriced = t.unpriced + excluded.unpriced,
      estimated = t.estimated + excluded.estimated
  ),
  model_days as (
    insert into public.console_model_days as t (
      day, provider, model, shard, calls, successes, errors, refused, aborted, error_codes, cost, unpriced, estimated,
      input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds, latency_hist
    )
    select f.day, f.provider, f.model, v_shard, count(*), count(*) filter (where f.status = 'success'),
           count(*) filter (where f.status = 'error'), count(*) filter (where f.refused),
           count(*) filter (where f.status = 'client_aborted'),
           coalesce(public.console_codes(f.code) filter (where f.code is not null), '{}'::jsonb), sum(f.cost),
           count(*) filter (where f.cost_status = 'unpriced'), count(*) filter (where f.cost_status = 'estimated'),
           sum(f.input_tokens), sum(f.output_tokens), sum(f.cached_tokens), sum(f.reasoning_tokens),
           sum(f.images_generated), sum(f.video_seconds), public.console_hist(f.b)
      from f
     group by f.day, f.provider, f.model
     order by f.day, f.provider, f.model
    on conflict (day, provider, model, shard) do update set
      calls = t.calls + excluded.calls,
      successes = t.successes + excluded.successes,
      errors = t.errors + excluded.errors,
      refused = t.refused + excluded.refused,
      aborted = t.aborted + excluded.aborted,
      error_codes = case when excluded.error_codes = '{}'::jsonb then t.error_codes else public.console_codes_merge(t.error_codes, excluded.error_codes) end,
      cost = t.cost + excluded.cost,
      unpriced = t.unpriced + excluded.unpriced,
      estimated = t.estimated + excluded.estimated,
      input_tokens = t.input_tokens + excluded.input_tokens,
      output_tokens = t.output_tokens + excluded.output_tokens,
      cached_tokens = t.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = t.reasoning_tokens + excluded.reasoning_tokens,
      images_generated = t.images_generated + excluded.images_generated,
      video_seconds = t.video_seconds + excluded.video_seconds,
      latency_hist = public.console_hist_merge(t.latency_hist, excluded.latency_hist)
  )
  insert into public.console_provider_hours as t (
    hour, provider, shard, calls, errors, refused, aborted, error_codes, latency_hist, last_error, last_error_at
  )
  select f.hour, f.provider, v_shard, count(*), count(*) filter (where f.status = 'error'), count(*) filter (where f.refused),
         count(*) filter (where f.status = 'client_aborted'),
         coalesce(public.console_codes(f.code) filter (where f.code is not null), '{}'::jsonb), public.console_hist(f.b),
         (array_agg(f.err order by f.created_at desc) filter (where f.err is not null))[1],
         max(f.created_at) filter (where f.err is not null)
    from f
   group by f.hour, f.provider
   order by f.hour, f.provider
  on conflict (hour, provider, shard) do update set
    calls = t.calls + excluded.calls,
    errors = t.errors + excluded.errors,
    refused = t.refused + excluded.refused,
    aborted = t.aborted + excluded.aborted,
    error_codes = case when excluded.error_codes = '{}'::jsonb then t.error_codes else public.console_codes_merge(t.error_codes, excluded.error_codes) end,
    latency_hist = public.console_hist_merge(t.latency_hist, excluded.latency_hist),
    -- Rows can be written late (spool replays): the newest error wins, not the last written.
    last_error = case when excluded.last_error_at >= coalesce(t.last_error_at, '-infinity') then excluded.last_error else t.last_error end,
    last_error_at = case when excluded.last_error_at >= coalesce(t.last_error_at, '-infinity') then excluded.last_error_at else t.last_error_at end;
end
$$;
comment on function public.console_record_group(public.api_usage[]) is
  'Books a group of api_usage rows in the console rollups, one upsert per key. Called by record_usage only, in its transaction. Server only.';
revoke all on function public.console_record_group(public.api_usage[]) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- record_usage: one row (an object) or a group (an array). Answers whether any row was new.
-- The same effects as 20241124's one-row version, per row; see the top of this file.
create or replace function public.record_usage(p jsonb) returns boolean
  language plpgsql
  set search_path = ''
  as $$
declare
  v_group jsonb := case jsonb_typeof(p) when 'array' then p else jsonb_build_array(p) end;
  v_rows public.api_usage[];
  v_user uuid;
  v_fixes jsonb;
  v_fix record;
  v_lease record;
  v_second bigint;
  v_svc record;
  v_units integer;
  s public.user_subscriptions;
  counter public.service_counter;
begin
  -- The ledger rows in one statement. A request id already written (a retry, a replay) is
  -- skipped, and only the rows written here are booked below.
  with written as (
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
      from jsonb_populate_recordset(null::public.api_usage, v_group) x
     order by x.user_id, x.request_id
    on conflict do nothing
    returning *
  )
  select array_agg(w::public.api_usage order by w.user_id, w.created_at, w.request_id) into v_rows from written w;
  if v_rows is null then
    return false;
  end if;

  -- Personal data beside the row. A call of a user deleted meanwhile fails this insert's foreign
  -- key (a data error): the writer then records the call again without it, so the ledger stays whole.
  insert into public.api_usage_details (request_id, user_id, ip_address, user_agent, request_payload, response_payload, created_at)
  select r.request_id, r.user_id, (d.e ->> 'ip_address')::inet, d.e ->> 'user_agent',
         nullif(d.e -> 'request_payload', 'null'::jsonb), nullif(d.e -> 'response_payload', 'null'::jsonb), r.created_at
    from unnest(v_rows) r
    join (select distinct on (e ->> 'request_id') e ->> 'request_id' as request_id, e
            from jsonb_array_elements(v_group) e order by e ->> 'request_id') d on d.request_id = r.request_id
   where d.e ->> 'ip_address' is not null or d.e ->> 'user_agent' is not null
      or nullif(d.e -> 'request_payload', 'null'::jsonb) is not null or nullif(d.e -> 'response_payload', 'null'::jsonb) is not null;

  -- Day, week and month rollups: one upsert per key (lock order step 1).
  insert into public.usage_aggregations as a (
    user_id, period_type, period_start, service_type, provider, model,
    request_count, success_count, error_count, input_tokens, output_tokens, cached_tokens,
    reasoning_tokens, images_generated, video_seconds, total_cost, unpriced_count, total_latency_ms
  )
  select r.user_id, r.period, r.bucket, r.service_type, r.provider, r.model,
         count(*), count(*) filter (where r.status = 'success'), count(*) filter (where r.status <> 'success'),
         sum(r.input_tokens), sum(r.output_tokens), sum(r.cached_tokens), sum(r.reasoning_tokens),
         sum(r.images_generated), sum(r.video_seconds), sum(coalesce(r.total_cost, 0)),
         count(*) filter (where r.total_cost is null), sum(coalesce(r.latency_ms, 0))
    from (select u.*, g.o, g.period, date_trunc(g.period, u.created_at at time zone 'UTC')::date as bucket
            from unnest(v_rows) u cross join (values (1, 'day'), (2, 'week'), (3, 'month')) g(o, period)) r
   group by r.user_id, r.o, r.period, r.bucket, r.service_type, r.provider, r.model
   order by r.user_id, r.o, r.bucket, r.service_type, r.provider, r.model
  on conflict (user_id, period_type, period_start, service_type, provider, model) do update set
    request_count = a.request_count + excluded.request_count,
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

  -- Settle, user by user (lock order step 2): book the calls' use and cost in the period they
  -- fall in (rolling the period first if it has ended), release their holds, correct their
  -- tokens in the rate window, and raise the threshold alerts the group crossed.
  for v_user in select distinct r.user_id from unnest(v_rows) r order by 1 loop
    select * into s from public.user_subscriptions where user_id = v_user for update;

    -- The window booked each call's estimate in the second of its admission; it now holds the
    -- actual count. A call whose hold is gone (expired) or whose second has left the window
    -- needs nothing.
    with released as (
      delete from public.usage_holds h
       using unnest(v_rows) r
       where r.user_id = v_user and h.request_id = r.request_id
      returning r.service_type, h.rate_second, r.input_tokens::bigint + r.output_tokens - coalesce(h.tokens, 0) as delta
    )
    select jsonb_agg(jsonb_build_object('service', f.service_type, 'second', f.rate_second, 'delta', f.delta) order by f.service_type, f.rate_second)
      into v_fixes
      from (select service_type, rate_second, sum(delta)::bigint as delta from released
             where rate_second is not null group by 1, 2 having sum(delta) <> 0) f;

    -- Calls admitted from a quota lease (20241202_quota_leases.sql) have no hold of their own:
    -- each gives back to its lease's hold row what it took of it (units, cost, tokens), the row
    -- going once nothing is left in it; their tokens are corrected in the lease's second.
    for v_lease in
      select l.id, l.service, sum(l.units)::integer as units, sum(l.cost) as cost, sum(l.tokens)::bigint as tokens, sum(l.actual - l.tokens)::bigint as delta
        from (select d.e -> 'lease' ->> 'id' as id, r.service_type as service, (d.e -> 'lease' ->> 'units')::integer as units,
                     (d.e -> 'lease' ->> 'cost')::numeric as cost, (d.e -> 'lease' ->> 'tokens')::bigint as tokens,
                     r.input_tokens::bigint + r.output_tokens as actual
                from unnest(v_rows) r
                join (select distinct on (e ->> 'request_id') e ->> 'request_id' as request_id, e
                        from jsonb_array_elements(v_group) e where e ? 'lease' order by e ->> 'request_id') d on d.request_id = r.request_id
               where r.user_id = v_user) l
       group by l.id, l.service
       order by l.id
    loop
      delete from public.usage_holds where request_id = v_lease.id and user_id = v_user and units <= v_lease.units
      returning rate_second into v_second;
      if not found then
        update public.usage_holds
           set units = units - v_lease.units, estimated_cost = greatest(estimated_cost - v_lease.cost, 0), tokens = greatest(tokens - v_lease.tokens, 0)
         where request_id = v_lease.id and user_id = v_user
        returning rate_second into v_second;
      end if;
      if found and v_second is not null and v_lease.delta <> 0 then
        v_fixes := coalesce(v_fixes, '[]'::jsonb) || jsonb_build_object('service', v_lease.service, 'second', v_second, 'delta', v_lease.delta);
      end if;
    end loop;

    for v_fix in select * from jsonb_to_recordset(coalesce(v_fixes, '[]'::jsonb)) as x(service text, second bigint, delta bigint) loop
      update public.api_rate_limits l
         set window_tokens = l.window_tokens[:i - 1] || greatest(coalesce(l.window_tokens[i], 0) + v_fix.delta, 0) || l.window_tokens[i + 1:]
        from (select id, array_position(window_seconds, v_fix.second) as i
                from public.api_rate_limits where user_id = v_user and service_type = v_fix.service) as b
       where l.id = b.id and b.i is not null;
    end loop;

    if s.id is not null then
      s := public.roll_subscription_period(s.id);
      for v_svc in
        select r.service_type, count(*) filter (where r.status = 'success') as successes, sum(coalesce(r.total_cost, 0)) as cost
          from unnest(v_rows) r
         where r.user_id = v_user and r.created_at >= s.billing_period_start
         group by 1
         order by 1
      loop
        counter := public.service_counter(v_svc.service_type);
        if v_svc.successes > 0 and counter.used_column is not null then
          -- The counter's column comes from service_counter() (identifiers, quoted by %I), never
          -- from the caller; a call counts one unit, or its row's units_column (images).
          select coalesce(sum(case when counter.units_column is null then 1 else (to_jsonb(r) ->> counter.units_column)::integer end), 0)
            into v_units
            from unnest(v_rows) r
           where r.user_id = v_user and r.service_type = v_svc.service_type and r.status = 'success'
             and r.created_at >= s.billing_period_start;
          execute format('update public.user_subscriptions u set %1$I = u.%1$I + $1, period_cost = u.period_cost + $2 where u.id = $3 returning *',
                         counter.used_column)
             into s using v_units, v_svc.cost, s.id;
        elsif v_svc.successes > 0 then
          -- A service without quota columns: its successful calls counted in the map.
          update public.user_subscriptions u
             set service_used = u.service_used || jsonb_build_object(v_svc.service_type, coalesce((u.service_used ->> v_svc.service_type)::integer, 0) + v_svc.successes),
                 period_cost = u.period_cost + v_svc.cost
           where u.id = s.id
          returning * into s;
        else
          update public.user_subscriptions u set period_cost = u.period_cost + v_svc.cost
           where u.id = s.id
          returning * into s;
        end if;
        perform public.raise_usage_alerts(s, v_svc.service_type);
      end loop;
    end if;
  end loop;

  perform public.console_record_group(v_rows);
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call, or a group of them (a JSON array): ledger rows (personal data beside them), rollups, counters and alerts, hold releases and token corrections in the rate window, atomically; idempotent on request_id. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;

drop function if exists public.console_record(public.api_usage);
