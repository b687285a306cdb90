-- Plans in the database, so admission can apply them exactly (issue 13, items 4, 5 and 7):
--
-- 1. Rate limits always hold. Enforcement modes govern quotas and budgets only; the request
--    rate is refused under 'off' and 'soft' too (the Demo plan keeps its generous 600 a minute).
--    Every user has a rate row for every service (backfilled here; created by admission itself
--    should one ever be missing), so no rate is skipped.
-- 2. The Demo plan ends. Its year over, the subscription becomes the Free plan (limits, budget,
--    enforcement, rates, monthly periods) inside the same locked roll that resets counters, so
--    it happens once and exactly, on any number of app instances. New users start on the
--    configured sign-up plan (app_settings.signup_plan, written from SIGNUP_PLAN by the app).
-- 3. Unpaid is not Pro. The subscription status decides which limits apply: active/trialing
--    get the plan; past_due keeps it for the grace days gateway_admit is given (the app's
--    PAST_DUE_GRACE_DAYS), counted from status_changed_at; after that, and for unpaid,
--    incomplete, paused and canceled, the Free plan's limits apply (never raising a lower one).
--
-- lib/billing/plans.ts holds the same catalog for the app; plans.test.ts checks they agree.

-- ---------------------------------------------------------------------------------------
-- plans: the catalog admission and the signup trigger read.
create table if not exists public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_]{0,49}$'),
  name text not null,
  content_generations_limit integer not null check (content_generations_limit >= 0),
  image_generations_limit integer not null check (image_generations_limit >= 0),
  video_generations_limit integer not null check (video_generations_limit >= 0),
  chat_messages_limit integer not null check (chat_messages_limit >= 0),
  requests_per_minute integer not null check (requests_per_minute > 0),
  monthly_cost_budget numeric(24, 12) check (monthly_cost_budget >= 0),
  enforcement_mode text not null check (enforcement_mode in ('off', 'soft', 'hard')),
  -- How long a period lasts when the plan starts one itself (Stripe sets its own).
  period_months integer not null check (period_months between 1 and 120)
);
comment on table public.plans is
  'The plan catalog (mirrors lib/billing/plans.ts). Any signed-in user may read it; only migrations write it.';
insert into public.plans (id, name, content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
                          requests_per_minute, monthly_cost_budget, enforcement_mode, period_months)
values ('demo', 'Demo Plan - Unlimited Access', 999999, 999999, 999999, 999999, 600, null, 'off', 12),
       ('free', 'Free', 25, 10, 2, 200, 10, 1, 'hard', 1),
       ('pro', 'Pro', 500, 250, 25, 5000, 60, 50, 'hard', 1),
       ('business', 'Business', 5000, 2500, 250, 50000, 300, 500, 'soft', 1)
on conflict (id) do update set
  name = excluded.name, content_generations_limit = excluded.content_generations_limit,
  image_generations_limit = excluded.image_generations_limit, video_generations_limit = excluded.video_generations_limit,
  chat_messages_limit = excluded.chat_messages_limit, requests_per_minute = excluded.requests_per_minute,
  monthly_cost_budget = excluded.monthly_cost_budget, enforcement_mode = excluded.enforcement_mode,
  period_months = excluded.period_months;
revoke all on public.plans from anon, authenticated;
grant select on public.plans to authenticated;
grant all on public.plans to service_role;
alter table public.plans enable row level security;
drop policy if exists "Signed-in users read plans" on public.plans;
create policy "Signed-in users read plans" on public.plans for select to authenticated using (true);
comment on policy "Signed-in users read plans" on public.plans is
  'Plans are public terms: any signed-in user may see them. No write policy: only migrations (the owner) write.';

-- ---------------------------------------------------------------------------------------
-- app_settings: one row of operator configuration that SQL itself needs.
create table if not exists public.app_settings (
  id boolean primary key default true check (id),
  signup_plan text not null default 'demo' references public.plans (id),
  updated_at timestamptz not null default now()
);
comment on table public.app_settings is
  'One row: settings the database applies on its own (the sign-up plan, written from SIGNUP_PLAN by each app process at boot). Server only.';
insert into public.app_settings default values on conflict (id) do nothing;
revoke all on public.app_settings from anon, authenticated;
grant all on public.app_settings to service_role;
alter table public.app_settings enable row level security;
drop trigger if exists app_settings_updated_at on public.app_settings;
create trigger app_settings_updated_at before update on public.app_settings for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------
-- Since when the subscription has had its status: a past_due grace counts from here. Kept by
-- a trigger, so every writer (Stripe webhooks, operators) keeps it right without knowing it.
alter table public.user_subscriptions add column if not exists status_changed_at timestamptz;
-- For rows that exist, the last write is the best bound known (the status is at least that old,
-- so nobody loses grace to this migration).
update public.user_subscriptions set status_changed_at = updated_at where status_changed_at is null;
alter table public.user_subscriptions alter column status_changed_at set default now();
alter table public.user_subscriptions alter column status_changed_at set not null;
comment on column public.user_subscriptions.status_changed_at is
  'When status last changed (kept by a trigger); past_due keeps the plan for PAST_DUE_GRACE_DAYS from here.';

create or replace function public.stamp_status_change() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.status is distinct from old.status then
    new.status_changed_at := now();
  end if;
  return new;
end
$$;
revoke all on function public.stamp_status_change() from public, anon, authenticated;
drop trigger if exists user_subscriptions_status_changed on public.user_subscriptions;
create trigger user_subscriptions_status_changed
  before update of status on public.user_subscriptions
  for each row execute function public.stamp_status_change();

-- ---------------------------------------------------------------------------------------
-- A user's rate rows, one per service, set to `p_rpm`.
create or replace function public.set_plan_rates(p_user uuid, p_rpm integer) returns void
  language sql
  set search_path = ''
  as $$
    insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
    select p_user, s, p_rpm from unnest(array['content', 'image', 'video', 'chat']) s
    on conflict (user_id, service_type) do update set requests_per_minute = excluded.requests_per_minute
  $$;
revoke all on function public.set_plan_rates(uuid, integer) from public, anon, authenticated;

-- New users start on the sign-up plan (app_settings.signup_plan; Demo unless the app was told
-- otherwise), with its rates, in the transaction that creates the user: every way a user is
-- created (built-in sign-up, Supabase Auth, operators) gets the same start. SECURITY DEFINER
-- because the inserting role (Supabase's auth admin) need not have rights on these tables.
create or replace function public.create_signup_subscription() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  p public.plans;
begin
  select pl.* into p from public.app_settings a join public.plans pl on pl.id = a.signup_plan;
  if not found then
    select * into p from public.plans where id = 'demo';
  end if;
  insert into public.user_subscriptions (
    user_id, plan_type, plan_name,
    content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
    monthly_cost_budget, enforcement_mode, billing_period_start, billing_period_end
  ) values (
    new.id, p.id, p.name,
    p.content_generations_limit, p.image_generations_limit, p.video_generations_limit, p.chat_messages_limit,
    p.monthly_cost_budget, p.enforcement_mode, now(), now() + make_interval(months => p.period_months)
  )
  on conflict (user_id) do nothing;
  insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
  select new.id, s, p.requests_per_minute from unnest(array['content', 'image', 'video', 'chat']) s
  on conflict (user_id, service_type) do nothing;
  return new;
end
$$;
revoke all on function public.create_signup_subscription() from public, anon, authenticated;
drop trigger if exists on_auth_user_created_demo_subscription on auth.users;
drop trigger if exists on_auth_user_created_demo_rate_limits on auth.users;
drop function if exists public.create_demo_subscription();
drop function if exists public.create_demo_rate_limits();
drop trigger if exists on_auth_user_created_subscription on auth.users;
create trigger on_auth_user_created_subscription
  after insert on auth.users
  for each row execute function public.create_signup_subscription();

-- Users with a missing rate row get their plan's rate now (the Demo plan's for a plan the
-- catalog does not know: generous, but finite).
insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
select s.user_id, svc, coalesce(p.requests_per_minute, (select requests_per_minute from public.plans where id = 'demo'))
  from public.user_subscriptions s
  left join public.plans p on p.id = s.plan_type
  cross join unnest(array['content', 'image', 'video', 'chat']) svc
on conflict (user_id, service_type) do nothing;

-- ---------------------------------------------------------------------------------------
-- Moves a locked subscription into the period containing now(): counters reset, and alerts
-- re-arm because they are unique per period start. A Demo subscription's period is its one
-- year: when it ends, the subscription becomes the Free plan and rolls in Free's monthly
-- periods, counted from the Demo's end. Callers hold the row lock, so this happens exactly
-- once however many requests race at the boundary.
create or replace function public.roll_subscription_period(p_id uuid) returns public.user_subscriptions
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  f public.plans;
  step interval;
  new_start timestamptz;
  new_end timestamptz;
begin
  select * into s from public.user_subscriptions where id = p_id;
  if now() < s.billing_period_end then
    return s;
  end if;
  if s.plan_type = 'demo' then
    select * into f from public.plans where id = 'free';
    if not found then
      raise exception 'public.plans has no free plan to end the Demo on';
    end if;
    update public.user_subscriptions set
      plan_type = f.id, plan_name = f.name,
      content_generations_limit = f.content_generations_limit, image_generations_limit = f.image_generations_limit,
      video_generations_limit = f.video_generations_limit, chat_messages_limit = f.chat_messages_limit,
      monthly_cost_budget = f.monthly_cost_budget, enforcement_mode = f.enforcement_mode
    where id = p_id;
    perform public.set_plan_rates(s.user_id, f.requests_per_minute);
    step := make_interval(months => f.period_months);
  else
    step := public.period_step(s.billing_period_start, s.billing_period_end);
  end if;
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
revoke all on function public.roll_subscription_period(uuid) from public, anon, authenticated;

-- Rolls a user's subscription if its period has ended, so pages show the period (and, after
-- a Demo, the plan) the user's next call would get. Server only: pages call it with the app's
-- own login before their RLS-scoped reads (it does nothing a call would not do anyway).
create or replace function public.roll_user_subscription(p_user uuid) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  sub_id uuid;
begin
  -- Locks only a subscription that is due; re-checked after the lock (a racing call may have rolled it).
  select id into sub_id from public.user_subscriptions
   where user_id = p_user and billing_period_end <= now()
   for update;
  if sub_id is not null then
    perform public.roll_subscription_period(sub_id);
  end if;
end
$$;
revoke all on function public.roll_user_subscription(uuid) from public, anon, authenticated;
grant execute on function public.roll_user_subscription(uuid) to service_role;

-- ---------------------------------------------------------------------------------------
-- The limits a subscription actually has, given its status.
do $$
begin
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'effective_limits') then
    create type public.effective_limits as (
      held_by text,                  -- the status holding the user to Free limits; null: the plan applies
      grace_ends_at timestamptz,     -- past_due: when the plan stops applying
      content_generations_limit integer,
      image_generations_limit integer,
      video_generations_limit integer,
      chat_messages_limit integer,
      monthly_cost_budget numeric,
      enforcement_mode text,
      requests_per_minute_cap integer -- Free's rate while held; null: the rate rows apply as they are
    );
  end if;
end
$$;
comment on type public.effective_limits is 'What effective_limits() answers: the limits admission applies to a subscription.';

create or replace function public.effective_limits(s public.user_subscriptions, p_past_due_grace_days integer)
  returns public.effective_limits
  language plpgsql
  stable
  set search_path = ''
  as $$
declare
  e public.effective_limits;
  f public.plans;
begin
  if s.status = 'past_due' then
    e.grace_ends_at := s.status_changed_at + make_interval(days => greatest(coalesce(p_past_due_grace_days, 0), 0));
  end if;
  e.held_by := case
    when s.status in ('active', 'trialing') then null
    when s.status = 'past_due' and now() < e.grace_ends_at then null
    when s.plan_type = 'free' then null -- already on Free: nothing lower to hold it to
    else s.status
  end;
  e.content_generations_limit := s.content_generations_limit;
  e.image_generations_limit := s.image_generations_limit;
  e.video_generations_limit := s.video_generations_limit;
  e.chat_messages_limit := s.chat_messages_limit;
  e.monthly_cost_budget := s.monthly_cost_budget;
  e.enforcement_mode := s.enforcement_mode;
  if e.held_by is not null then
    select * into f from public.plans where id = 'free';
    if not found then
      raise exception 'public.plans has no free plan to hold % subscriptions to', s.status;
    end if;
    -- Free's limits, but never above what the user already had (an operator's lower limit stays).
    e.content_generations_limit := least(s.content_generations_limit, f.content_generations_limit);
    e.image_generations_limit := least(s.image_generations_limit, f.image_generations_limit);
    e.video_generations_limit := least(s.video_generations_limit, f.video_generations_limit);
    e.chat_messages_limit := least(s.chat_messages_limit, f.chat_messages_limit);
    e.monthly_cost_budget := case when s.monthly_cost_budget is null then f.monthly_cost_budget
                                  when f.monthly_cost_budget is null then s.monthly_cost_budget
                                  else least(s.monthly_cost_budget, f.monthly_cost_budget) end;
    e.enforcement_mode := case when 'hard' in (s.enforcement_mode, f.enforcement_mode) then 'hard'
                               when 'soft' in (s.enforcement_mode, f.enforcement_mode) then 'soft'
                               else 'off' end;
    e.requests_per_minute_cap := f.requests_per_minute;
  end if;
  return e;
end
$$;
comment on function public.effective_limits(public.user_subscriptions, integer) is
  'The limits a subscription has given its status: the plan''s, or (unpaid, past_due beyond the grace days, ...) at most the Free plan''s.';
revoke all on function public.effective_limits(public.user_subscriptions, integer) from public, anon;
grant execute on function public.effective_limits(public.user_subscriptions, integer) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- gateway_admit, restated in full from 20241107_hot_path.sql with: the effective limits of
-- the subscription's status (p_past_due_grace_days, the app's PAST_DUE_GRACE_DAYS), a rate
-- that is refused under every enforcement mode, and a rate row made on the spot if missing.
drop function if exists public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid);

create or replace function public.gateway_admit(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer,
  p_api_key uuid default null, p_past_due_grace_days integer default 7
) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  e public.effective_limits;
  rl public.api_rate_limits;
  now_s bigint;
  secs bigint[] := '{}';
  counts integer[] := '{}';
  hits integer := 0;
  i integer;
  need integer;
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
  -- The caller's API key is checked here, in the same round trip as admission: the app may
  -- cache which user a key belongs to, but a key revoked a moment ago is refused right here.
  if p_api_key is not null then
    update public.api_keys set last_used_at = now()
     where id = p_api_key and user_id = p_user and revoked_at is null
       and (last_used_at is null or last_used_at < now() - interval '1 minute');
    if not found and not exists (select 1 from public.api_keys where id = p_api_key and user_id = p_user and revoked_at is null) then
      return jsonb_build_object('admitted', false, 'code', 'invalid_api_key');
    end if;
  end if;

  select * into s from public.user_subscriptions where user_id = p_user for update;
  if not found then
    raise exception 'user % has no subscription', p_user using errcode = 'no_data_found';
  end if;
  s := public.roll_subscription_period(s.id);
  e := public.effective_limits(s, p_past_due_grace_days);
  delete from public.usage_holds where user_id = p_user and expires_at <= now();

  -- Request rate: a sliding window of the last minute in one-second buckets (at most 61 pairs
  -- of second and count, however high the limit). A hit counts until a full 60 s have passed
  -- after the end of its second, so any 60 s span holds at most requests_per_minute.
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if not found then
    -- Every user has a row per service (signup, plan changes); should one be missing, the
    -- plan's rate applies from this call on rather than no rate at all. The subscription
    -- lock above serialises this user's admissions, so only one call creates it.
    insert into public.api_rate_limits (user_id, service_type, requests_per_minute)
    values (p_user, p_service, coalesce((select requests_per_minute from public.plans where id = s.plan_type),
                                        (select requests_per_minute from public.plans where id = 'demo')))
    on conflict (user_id, service_type) do nothing;
    select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  end if;
  -- Read after the lock: stamps then never go backwards between this row's writers.
  now_s := floor(extract(epoch from clock_timestamp()));
  rate_limit := least(rl.requests_per_minute, e.requests_per_minute_cap);
  select coalesce(array_agg(sec order by sec), '{}'), coalesce(array_agg(n order by sec), '{}')
    into secs, counts
    from unnest(rl.window_seconds, rl.window_counts) as w(sec, n)
   where sec > now_s - 61;
  select coalesce(sum(n), 0) into hits from unnest(counts) n;
  if hits >= rate_limit then
    rate_over := true;
    -- the oldest second whose hits must leave the window before one more fits
    need := hits - rate_limit + 1;
    i := 1;
    while need > counts[i] loop
      need := need - counts[i];
      i := i + 1;
    end loop;
    rate_reset := greatest(secs[i] + 61 - extract(epoch from clock_timestamp()), 0);
  end if;

  quota_name := case p_service when 'content' then 'content_generations' when 'image' then 'image_generations'
                               when 'video' then 'video_generations' else 'chat_messages' end;
  used := case p_service when 'content' then s.content_generations_used when 'image' then s.image_generations_used
                         when 'video' then s.video_generations_used else s.chat_messages_used end;
  quota := case p_service when 'content' then e.content_generations_limit when 'image' then e.image_generations_limit
                          when 'video' then e.video_generations_limit else e.chat_messages_limit end;
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds where user_id = p_user and period_start = s.billing_period_start;

  if rate_over then
    over_code := 'rate_limited';
    over_limit := jsonb_build_object('limit', 'requests_per_minute', 'used', hits, 'max', rate_limit,
                                     'resets_at', now() + make_interval(secs => rate_reset));
  elsif used + in_flight + p_units > quota then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', quota_name, 'used', used + in_flight, 'max', quota, 'resets_at', s.billing_period_end);
  elsif e.monthly_cost_budget is not null and s.period_cost + in_flight_cost + p_estimated_cost > e.monthly_cost_budget then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', 'monthly_cost_budget', 'used', (s.period_cost + in_flight_cost)::text,
                                     'max', e.monthly_cost_budget::text, 'resets_at', s.billing_period_end);
  end if;

  -- The rate is refused under every enforcement mode; quotas and budgets only under 'hard'
  -- ('soft' admits with a warning, 'off' only tracks).
  admitted := over_code is null or (over_code <> 'rate_limited' and e.enforcement_mode <> 'hard');
  if admitted and over_code is not null and e.enforcement_mode = 'soft' then
    warnings := array[over_limit ->> 'limit'];
  end if;
  if admitted then
    hits := hits + 1;
    -- (>=: should the wall clock step back, the hit joins the newest bucket, never an older one)
    if cardinality(secs) > 0 and secs[cardinality(secs)] >= now_s then
      counts[cardinality(counts)] := counts[cardinality(counts)] + 1;
    else
      secs := secs || now_s;
      counts := counts || 1;
    end if;
    update public.api_rate_limits set window_seconds = secs, window_counts = counts where id = rl.id;
    insert into public.usage_holds (request_id, user_id, service_type, units, estimated_cost, period_start, expires_at)
    values (p_request_id, p_user, p_service, p_units, coalesce(p_estimated_cost, 0), s.billing_period_start,
            now() + make_interval(secs => p_hold_seconds));
  end if;

  return jsonb_build_object(
    'admitted', admitted,
    'code', case when admitted then null else over_code end,
    'exceeded', case when admitted then null else over_limit end,
    'warnings', to_jsonb(warnings),
    'enforcement_mode', e.enforcement_mode,
    'held_by', e.held_by,
    'period_end', s.billing_period_end,
    'rate', jsonb_build_object(
      'limit', rate_limit,
      'remaining', greatest(rate_limit - hits, 0),
      'reset_seconds', case when hits = 0 then 0
                            else greatest(ceil(secs[1] + 61 - extract(epoch from clock_timestamp())), 0) end),
    'retry_after_seconds', case when admitted then null
                                when over_code = 'rate_limited' then greatest(1, ceil(rate_reset))
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;

comment on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer) is
  'Admits or refuses one gateway call atomically (API key, rate, quota, budget; limits as the subscription status allows) and takes its hold. Server only.';
revoke all on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer) from public, anon, authenticated;
grant execute on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer) to service_role;
