-- Admission: every gateway call is admitted or refused by ONE function call, atomically, so N
-- concurrent requests can never pass a limit of M < N, on any number of app instances.
-- Settlement (record_usage, in 20241104) releases the call's hold, books its real use and cost,
-- and raises threshold alerts in the same transaction. Safe to run twice.

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

-- gateway_admit: admission, race-free (seed names: docs/seed-names.md). Locks the user's
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
