-- Admission: every gateway call is admitted or refused by ONE function call, atomically, so N
-- concurrent requests can never pass a limit of M < N, on any number of app instances.
-- Settlement (record_usage) releases the call's hold, books its real use and cost, and raises
-- threshold alerts in the same transaction. Safe to run twice.

alter table public.user_subscriptions add column if not exists alert_webhook_url text;
alter table public.user_subscriptions add column if not exists alert_webhook_secret text;
comment on column public.user_subscriptions.alert_webhook_url is
  'Where usage alerts are POSTed as signed JSON (optional). Set by the user or an operator.';

-- usage_holds: calls admitted and still in flight. They count against quotas and budgets until
-- settled; a hold whose call crashed expires and stops counting.
create table if not exists public.usage_holds (
  request_id text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  service_type text not null check (service_type in ('content', 'chat', 'image', 'video')),
  units integer not null check (units > 0),
  estimated_cost numeric(24, 12) not null default 0 check (estimated_cost >= 0),
  period_start timestamptz not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table public.usage_holds is
  'Admitted calls in flight, counted against limits until settled or expired. Users read their own; only the gateway writes.';
create index if not exists usage_holds_user_service_idx on public.usage_holds (user_id, service_type, period_start);
create index if not exists usage_holds_expires_idx on public.usage_holds (expires_at);
revoke all on public.usage_holds from anon, authenticated;
grant select on public.usage_holds to authenticated;
grant all on public.usage_holds to service_role;
alter table public.usage_holds enable row level security;
drop policy if exists "Users read own holds" on public.usage_holds;
create policy "Users read own holds" on public.usage_holds
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own holds" on public.usage_holds is 'A user sees only their own calls in flight.';

-- usage_alert_deliveries: the webhook outbox. One row per alert to deliver; workers claim rows
-- with SKIP LOCKED, so several app instances never send one twice at the same time.
create table if not exists public.usage_alert_deliveries (
  id uuid primary key default gen_random_uuid(),
  alert_id uuid not null unique references public.usage_alerts (id) on delete cascade,
  url text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  delivered_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
comment on table public.usage_alert_deliveries is 'Webhook deliveries of usage alerts, with retries. Server only.';
create index if not exists usage_alert_deliveries_due_idx on public.usage_alert_deliveries (next_attempt_at) where delivered_at is null;
revoke all on public.usage_alert_deliveries from anon, authenticated;
grant all on public.usage_alert_deliveries to service_role;
alter table public.usage_alert_deliveries enable row level security;

-- The length of one billing period: calendar months and years stay calendar-aligned.
create or replace function public.period_step(p_start timestamptz, p_end timestamptz) returns interval
  language sql immutable
  set search_path = ''
  as $$
    select case
      when p_start + interval '1 month' = p_end then interval '1 month'
      when p_start + interval '1 year' = p_end then interval '1 year'
      else p_end - p_start
    end
  $$;

-- Moves a locked subscription into the period containing now(): counters reset, and alerts
-- re-arm because they are unique per period start. Callers hold the row lock, so a rollover
-- happens exactly once however many requests race at the boundary.
create or replace function public.roll_subscription_period(p_id uuid) returns public.user_subscriptions
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  step interval;
  new_start timestamptz;
  new_end timestamptz;
begin
  select * into s from public.user_subscriptions where id = p_id;
  if now() < s.billing_period_end then
    return s;
  end if;
  step := public.period_step(s.billing_period_start, s.billing_period_end);
  new_start := s.billing_period_end;
  new_end := new_start + step;
  while new_end <= now() loop
    new_start := new_end;
    new_end := new_start + step;
  end loop;
  update public.user_subscriptions set
    billing_period_start = new_start, billing_period_end = new_end,
    content_generations_used = 0, image_generations_used = 0, video_generations_used = 0,
    chat_messages_used = 0, period_cost = 0
  where id = p_id
  returning * into s;
  return s;
end
$$;

-- gateway_admit: the original specification's checkUsageLimit, race-free. Locks the user's
-- subscription row (admissions of one user queue here; other users are not affected), rolls
-- the period, expires crashed holds, then checks in order: request rate, the service's quota
-- (settled use + calls in flight + this call), and the cost budget (settled cost + in-flight
-- estimates + this call's estimate). Enforcement 'off' only tracks, 'soft' admits with
-- warnings, 'hard' refuses. An admitted call gets a hold.
create or replace function public.gateway_admit(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer
) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  rl public.api_rate_limits;
  hits timestamptz[] := '{}';
  rate_limit integer;
  rate_over boolean := false;
  rate_reset numeric := 0;
  used integer;
  quota integer;
  quota_name text;
  in_flight integer;
  in_flight_cost numeric;
  over_code text;
  over_limit jsonb;
  warnings text[] := '{}';
  admitted boolean;
begin
  select * into s from public.user_subscriptions where user_id = p_user for update;
  if not found then
    raise exception 'user % has no subscription', p_user using errcode = 'no_data_found';
  end if;
  s := public.roll_subscription_period(s.id);
  delete from public.usage_holds where user_id = p_user and expires_at <= now();

  -- Request rate: a sliding window of the admitted requests of the last 60 seconds.
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if found then
    rate_limit := rl.requests_per_minute;
    hits := array(select h from unnest(rl.window_hits) h where h > now() - interval '60 seconds' order by h);
    if cardinality(hits) >= rate_limit then
      rate_over := true;
      -- the oldest hit that must leave the window before one more fits
      rate_reset := extract(epoch from hits[cardinality(hits) - rate_limit + 1] + interval '60 seconds' - now());
    end if;
  end if;

  quota_name := case p_service when 'content' then 'content_generations' when 'image' then 'image_generations'
                               when 'video' then 'video_generations' else 'chat_messages' end;
  used := case p_service when 'content' then s.content_generations_used when 'image' then s.image_generations_used
                         when 'video' then s.video_generations_used else s.chat_messages_used end;
  quota := case p_service when 'content' then s.content_generations_limit when 'image' then s.image_generations_limit
                          when 'video' then s.video_generations_limit else s.chat_messages_limit end;
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds where user_id = p_user and period_start = s.billing_period_start;

  if rate_over then
    over_code := 'rate_limited';
    over_limit := jsonb_build_object('limit', 'requests_per_minute', 'used', cardinality(hits), 'max', rate_limit,
                                     'resets_at', now() + make_interval(secs => rate_reset));
  elsif used + in_flight + p_units > quota then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', quota_name, 'used', used + in_flight, 'max', quota, 'resets_at', s.billing_period_end);
  elsif s.monthly_cost_budget is not null and s.period_cost + in_flight_cost + p_estimated_cost > s.monthly_cost_budget then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', 'monthly_cost_budget', 'used', (s.period_cost + in_flight_cost)::text,
                                     'max', s.monthly_cost_budget::text, 'resets_at', s.billing_period_end);
  end if;

  admitted := over_code is null or s.enforcement_mode <> 'hard';
  if over_code is not null and s.enforcement_mode = 'soft' then
    warnings := array[over_limit ->> 'limit'];
  end if;
  if admitted then
    if rl.id is not null then
      hits := hits || now();
      update public.api_rate_limits set window_hits = hits where id = rl.id;
    end if;
    insert into public.usage_holds (request_id, user_id, service_type, units, estimated_cost, period_start, expires_at)
    values (p_request_id, p_user, p_service, p_units, coalesce(p_estimated_cost, 0), s.billing_period_start,
            now() + make_interval(secs => p_hold_seconds));
  end if;

  return jsonb_build_object(
    'admitted', admitted,
    'code', case when admitted then null else over_code end,
    'exceeded', case when admitted then null else over_limit end,
    'warnings', to_jsonb(warnings),
    'enforcement_mode', s.enforcement_mode,
    'period_end', s.billing_period_end,
    'rate', case when rate_limit is null then null else jsonb_build_object(
      'limit', rate_limit,
      'remaining', greatest(rate_limit - cardinality(hits), 0),
      'reset_seconds', case when cardinality(hits) = 0 then 0
                            else ceil(extract(epoch from hits[1] + interval '60 seconds' - now())) end) end,
    'retry_after_seconds', case when admitted then null
                                when over_code = 'rate_limited' then greatest(1, ceil(rate_reset))
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;
comment on function public.gateway_admit(uuid, text, integer, numeric, text, integer) is
  'Admits or refuses one gateway call atomically and takes its hold. Server only.';
revoke all on function public.gateway_admit(uuid, text, integer, numeric, text, integer) from public, anon, authenticated;
grant execute on function public.gateway_admit(uuid, text, integer, numeric, text, integer) to service_role;
revoke all on function public.roll_subscription_period(uuid) from public, anon, authenticated;
revoke all on function public.period_step(timestamptz, timestamptz) from public, anon, authenticated;

-- Records an alert once per limit, threshold and period (demo users get none), and queues its
-- webhook delivery when the user has a webhook.
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
begin
  if s.plan_type = 'demo' then
    return;
  end if;
  used := case p_service when 'content' then s.content_generations_used when 'image' then s.image_generations_used
                         when 'video' then s.video_generations_used else s.chat_messages_used end;
  quota := case p_service when 'content' then s.content_generations_limit when 'image' then s.image_generations_limit
                          when 'video' then s.video_generations_limit else s.chat_messages_limit end;
  label := case p_service when 'content' then 'content generations' when 'image' then 'images'
                          when 'video' then 'video generations' else 'chat messages' end;
  foreach t in array array[50, 80, 100] loop
    if quota > 0 and used * 100 >= quota * t then
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

-- record_usage(row): inserts one api_usage row (idempotent on request_id, so a retried
-- recording never counts twice), folds it into the day/week/month rollups, and settles its
-- admission. Returns false when the row was already recorded.
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
begin
  insert into public.api_usage (
    user_id, service_type, provider, model, endpoint, request_id, campaign_id,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds,
    input_cost, output_cost, generation_cost, total_cost, price_snapshot, cost_status,
    latency_ms, time_to_first_token_ms, status, error_code, ip_address, user_agent,
    request_payload, response_payload, metadata, created_at
  )
  select x.user_id, x.service_type, x.provider, x.model, x.endpoint, x.request_id, x.campaign_id,
         coalesce(x.input_tokens, 0), coalesce(x.output_tokens, 0), coalesce(x.cached_tokens, 0),
         coalesce(x.reasoning_tokens, 0), coalesce(x.images_generated, 0), coalesce(x.video_seconds, 0),
         x.input_cost, x.output_cost, x.generation_cost, x.total_cost, x.price_snapshot,
         coalesce(x.cost_status, 'priced'), x.latency_ms, x.time_to_first_token_ms, x.status, x.error_code,
         x.ip_address, x.user_agent, x.request_payload, x.response_payload, coalesce(x.metadata, '{}'::jsonb),
         coalesce(x.created_at, now())
    from jsonb_populate_record(null::public.api_usage, p) x
  on conflict (request_id) do nothing
  returning * into r;
  if r.id is null then
    return false;
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
      update public.user_subscriptions u set
        content_generations_used = u.content_generations_used + case when succeeded and r.service_type = 'content' then 1 else 0 end,
        chat_messages_used = u.chat_messages_used + case when succeeded and r.service_type = 'chat' then 1 else 0 end,
        image_generations_used = u.image_generations_used + case when succeeded and r.service_type = 'image' then r.images_generated else 0 end,
        video_generations_used = u.video_generations_used + case when succeeded and r.service_type = 'video' then 1 else 0 end,
        period_cost = u.period_cost + coalesce(r.total_cost, 0)
      where u.id = s.id
      returning * into s;
      perform public.raise_usage_alerts(s, r.service_type);
    end if;
  end if;
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call, its rollups, counters and alerts, and releases its hold, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;

-- Demo users get the Demo plan's request rates (600 a minute per service; see lib/billing/plans.ts),
-- at signup and, for users who predate this migration, now.
create or replace function public.create_demo_rate_limits() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
  select new.id, s, 600 from unnest(array['content', 'image', 'video', 'chat']) s
  on conflict (user_id, service_type) do nothing;
  return new;
end
$$;
revoke all on function public.create_demo_rate_limits() from public, anon, authenticated;
drop trigger if exists on_auth_user_created_demo_rate_limits on auth.users;
create trigger on_auth_user_created_demo_rate_limits
  after insert on auth.users
  for each row execute function public.create_demo_rate_limits();
insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
select u.id, s, 600 from auth.users u cross join unnest(array['content', 'image', 'video', 'chat']) s
on conflict (user_id, service_type) do nothing;
