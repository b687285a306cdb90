-- Issue 14, item 4: services declared once.
--
-- 1. public.service_counters(): the one SQL statement of which services have a per-period quota
--    and which user_subscriptions columns count and limit it (lib/services.ts declares the same
--    for the app; lib/services.test.ts checks the two agree). gateway_admit, record_usage and
--    raise_usage_alerts read it instead of each spelling out the four services.
-- raise_usage_alerts and record_usage are restated in full from their latest versions
-- (20241104, 20241112); only the counter mapping changed. gateway_admit, which also reads
-- service_counter(), is restated in 20241116_admission_checks_campaign.sql.

-- ---------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'service_counter') then
    create type public.service_counter as (
      service text,         -- the service_type of api_usage, holds, rates and alerts
      quota_name text,      -- the limit's name in a refusal (exceeded.limit)
      used_column text,     -- user_subscriptions: this period's use
      limit_column text,    -- user_subscriptions (and effective_limits): the period's limit
      units text,           -- what one unit is, plural, as alert messages say it
      units_column text     -- api_usage column counting a call's units; null: one unit per call
    );
  end if;
end
$$;
comment on type public.service_counter is 'One metered service and its counter columns (see service_counters()).';

create or replace function public.service_counters() returns setof public.service_counter
  language sql
  immutable
  set search_path = ''
  as $$
  values ('content', 'content_generations', 'content_generations_used', 'content_generations_limit', 'content generations', null),
         ('image', 'image_generations', 'image_generations_used', 'image_generations_limit', 'images', 'images_generated'),
         ('video', 'video_generations', 'video_generations_used', 'video_generations_limit', 'video generations', null),
         ('chat', 'chat_messages', 'chat_messages_used', 'chat_messages_limit', 'chat messages', null)
$$;
comment on function public.service_counters() is
  'The services with a per-period quota and their user_subscriptions columns; lib/services.ts declares the same (a test checks).';

-- A service not listed answers a row of nulls: no quota, budget and rate only.
create or replace function public.service_counter(p_service text) returns public.service_counter
  language sql
  immutable
  set search_path = ''
  as $$
  select c from public.service_counters() c where c.service = p_service
$$;
comment on function public.service_counter(text) is 'The counter columns of one service (nulls when it has no quota).';

revoke all on function public.service_counters() from public, anon;
revoke all on function public.service_counter(text) from public, anon;
grant execute on function public.service_counters() to authenticated, service_role;
grant execute on function public.service_counter(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- raise_usage_alerts: as in 20241104, the used/limit columns and label from service_counter().
create or replace function public.raise_usage_alerts(s public.user_subscriptions, p_service text) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  t integer;
  used numeric;
  quota numeric;
  alert_id uuid;
  label text;
  counter public.service_counter;
begin
  if s.plan_type = 'demo' then
    return;
  end if;
  counter := public.service_counter(p_service);
  used := (to_jsonb(s) ->> counter.used_column)::numeric;
  quota := (to_jsonb(s) ->> counter.limit_column)::numeric;
  label := counter.units;
  foreach t in array array[50, 80, 100] loop
    if quota is not null and quota > 0 and used * 100 >= quota * t then
      insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
      values (s.user_id, 'quota', p_service, t, s.billing_period_start, used, quota,
              format('You have used %s%% of your %s this period (%s of %s).', t, label, used, quota))
      on conflict do nothing
      returning id into alert_id;
      if alert_id is not null and s.alert_webhook_url is not null then
        insert into public.usage_alert_deliveries (alert_id, url) values (alert_id, s.alert_webhook_url) on conflict do nothing;
      end if;
      alert_id := null;
    end if;
    if s.monthly_cost_budget is not null and s.monthly_cost_budget > 0 and s.period_cost * 100 >= s.monthly_cost_budget * t then
      insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
      values (s.user_id, 'budget', null, t, s.billing_period_start, s.period_cost, s.monthly_cost_budget,
              format('You have spent %s%% of your monthly budget ($%s of $%s).', t, trim_scale(s.period_cost), trim_scale(s.monthly_cost_budget)))
      on conflict do nothing
      returning id into alert_id;
      if alert_id is not null and s.alert_webhook_url is not null then
        insert into public.usage_alert_deliveries (alert_id, url) values (alert_id, s.alert_webhook_url) on conflict do nothing;
      end if;
      alert_id := null;
    end if;
  end loop;
end
$$;
revoke all on function public.raise_usage_alerts(public.user_subscriptions, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- record_usage: as in 20241112, the counter booked through service_counter().
create or replace function public.record_usage(p jsonb) returns boolean
  language plpgsql
  set search_path = ''
  as $$
declare
  r public.api_usage;
  s public.user_subscriptions;
  period text;
  bucket date;
  succeeded boolean;
  d_ip inet := (p ->> 'ip_address')::inet;
  d_agent text := p ->> 'user_agent';
  d_request jsonb := nullif(p -> 'request_payload', 'null'::jsonb);
  d_response jsonb := nullif(p -> 'response_payload', 'null'::jsonb);
  counter public.service_counter;
  units integer;
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
  -- if it has ended), release its hold, and raise any threshold alerts it crossed. The
  -- subscription row is locked BEFORE the hold is touched: gateway_admit takes the same two
  -- locks in the same order, so the two can never deadlock.
  select * into s from public.user_subscriptions where user_id = r.user_id for update;
  delete from public.usage_holds where request_id = r.request_id;
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
      else
        update public.user_subscriptions u set period_cost = u.period_cost + coalesce(r.total_cost, 0)
         where u.id = s.id
        returning * into s;
      end if;
      perform public.raise_usage_alerts(s, r.service_type);
    end if;
  end if;
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call (ledger row, its personal data beside it), its rollups, counters and alerts, and releases its hold, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;
