-- Issue 16, items 4 and 5 (rate parts):
--
-- 1. One rate window, in one function. gateway_admit, gateway_check and gateway_count_refusal
--    each kept their own copy of the one-second-bucket window; they now all call
--    public.rate_window(). A bucket now expires 60 s after the START of its second (it used to
--    count until 60 s after its END, 61 s), so the exact wait a refusal answers is always under
--    60 s: the openai SDKs honour a Retry-After of less than 60 s and wait once, where 61 made
--    them retry at once (a second 429, a second row) and then sleep. The cost: any 60
--    consecutive whole seconds hold at most requests_per_minute, where a 60 s span cut
--    mid-second may hold up to that second's hits more.
-- 2. Tokens per minute beside requests per minute: plans.tokens_per_minute (null: no limit),
--    api_rate_limits.tokens_per_minute per user and service, tokens counted in the same buckets
--    (window_tokens, parallel to window_counts). Admission books the call's estimate (p_tokens)
--    and refuses past the limit (rate_limited, limit tokens_per_minute); settlement corrects the
--    bucket to the call's actual input + output tokens (the hold keeps the estimate and its
--    bucket). Every answer says the rate state, refusal counting included (gateway_count_refusal).
-- 3. Quotas for services without quota columns (embedding, audio, moderation): plans and
--    subscriptions carry a map service -> calls per period (service_limits; a missing key: no
--    quota), subscriptions count service_used (reset by the period roll). Checked by
--    gateway_admit and gateway_check, counted by record_usage, alerted by raise_usage_alerts.
--
-- Restated in full from their latest versions: gateway_admit (20241116), gateway_check (20241117),
-- gateway_count_refusal (20241111), record_usage and raise_usage_alerts (20241114),
-- set_plan_rates, create_signup_subscription, roll_subscription_period, effective_limits (20241108).

-- ---------------------------------------------------------------------------------------
-- Schema.

-- A quota map: service type (one without quota columns) -> a non-negative whole number.
create or replace function public.valid_service_map(p jsonb) returns boolean
  language sql
  immutable
  set search_path = ''
  as $$
  select jsonb_typeof(p) = 'object'
     and not exists (select 1 from jsonb_each(p) as m(k, v)
                      where k not in ('embedding', 'audio', 'moderation')
                         or jsonb_typeof(v) <> 'number' or v::text !~ '^[0-9]{1,9}$')
$$;
comment on function public.valid_service_map(jsonb) is
  'Whether a jsonb is a per-service quota map: keys are services without quota columns, values whole numbers 0..999999999.';
revoke all on function public.valid_service_map(jsonb) from public, anon;
grant execute on function public.valid_service_map(jsonb) to authenticated, service_role;

alter table public.plans
  add column if not exists tokens_per_minute integer check (tokens_per_minute > 0),
  add column if not exists service_limits jsonb not null default '{}'::jsonb
    constraint plans_service_limits_check check (public.valid_service_map(service_limits));
comment on column public.plans.tokens_per_minute is 'Tokens (input + output) a minute per service; null: no token limit.';
comment on column public.plans.service_limits is
  'Per-period call quotas of services without quota columns ({"embedding": 10000}); a missing service has none.';
-- Demo is generous. Free's still admits a call that leaves its output cap to the gateway (the
-- hold, and so the booked estimate, is then the model's whole output limit: up to 64k tokens).
update public.plans set tokens_per_minute = case id when 'demo' then 20000000 when 'free' then 200000
                                                    when 'pro' then 1000000 when 'business' then 5000000 end
 where id in ('demo', 'free', 'pro', 'business');

alter table public.user_subscriptions
  add column if not exists service_limits jsonb not null default '{}'::jsonb
    constraint user_subscriptions_service_limits_check check (public.valid_service_map(service_limits)),
  add column if not exists service_used jsonb not null default '{}'::jsonb
    constraint user_subscriptions_service_used_check check (public.valid_service_map(service_used));
comment on column public.user_subscriptions.service_limits is 'Per-period call quotas of services without quota columns (the plan''s, or an operator''s).';
comment on column public.user_subscriptions.service_used is 'This period''s successful calls of the services in service_limits'' domain; reset by the period roll.';

alter table public.api_rate_limits
  add column if not exists tokens_per_minute integer check (tokens_per_minute > 0),
  add column if not exists window_tokens bigint[] not null default '{}';
comment on column public.api_rate_limits.tokens_per_minute is 'Tokens a minute for this user and service; null: none.';
comment on column public.api_rate_limits.window_tokens is
  'Tokens booked in each second of window_seconds (parallel; missing trailing entries read as 0): estimates at admission, corrected to actual at settlement.';
update public.api_rate_limits r set tokens_per_minute = p.tokens_per_minute
  from public.user_subscriptions s join public.plans p on p.id = s.plan_type
 where s.user_id = r.user_id and r.tokens_per_minute is null;

alter table public.usage_holds
  add column if not exists tokens bigint not null default 0 check (tokens >= 0),
  add column if not exists rate_second bigint;
comment on column public.usage_holds.tokens is 'The tokens admission booked in the rate window for this call (its estimate).';
comment on column public.usage_holds.rate_second is 'The window bucket (epoch second) those tokens were booked in; settlement corrects it.';

-- ---------------------------------------------------------------------------------------
-- The rate window: one-second buckets (epoch second, hits, tokens), a hit counting until 60 s
-- after the start of its second. At most 60 buckets live, however high the limits.
do $$
begin
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'rate_window') then
    create type public.rate_window as (
      secs bigint[],            -- live buckets, ascending
      counts integer[],         -- hits per bucket
      tokens bigint[],          -- tokens per bucket
      hits integer,
      tokens_used bigint,
      requests_over boolean,    -- one more request does not fit
      requests_reset numeric,   -- over: seconds until it fits; else until the oldest hit leaves (0: empty)
      tokens_over boolean,      -- the call's tokens do not fit
      tokens_reset numeric      -- over: seconds until they fit (null: more than the limit itself); else until the oldest tokens leave
    );
  end if;
end
$$;
comment on type public.rate_window is 'A rate window read at one instant (see rate_window()).';

create or replace function public.rate_window(
  p_secs bigint[], p_counts integer[], p_tokens bigint[], p_rpm integer, p_tpm integer, p_new_tokens bigint, p_now numeric
) returns public.rate_window
  language plpgsql
  immutable
  set search_path = ''
  as $$
declare
  w public.rate_window;
  need bigint;
  i integer;
begin
  -- (unnest pads the shorter arrays with nulls: rows written before window_tokens read as 0)
  select coalesce(array_agg(sec order by sec), '{}'), coalesce(array_agg(coalesce(n, 0) order by sec), '{}'),
         coalesce(array_agg(coalesce(t, 0) order by sec), '{}')
    into w.secs, w.counts, w.tokens
    from unnest(coalesce(p_secs, '{}'), coalesce(p_counts, '{}'), coalesce(p_tokens, '{}')) as b(sec, n, t)
   where sec is not null and sec + 60 > p_now;
  select coalesce(sum(n), 0), coalesce(sum(t), 0) into w.hits, w.tokens_used from unnest(w.counts, w.tokens) as b(n, t);

  w.requests_over := w.hits >= p_rpm;
  w.requests_reset := 0;
  if w.requests_over then
    -- the oldest second whose hits must leave the window before one more fits
    need := w.hits - p_rpm + 1;
    i := 1;
    while need > w.counts[i] loop
      need := need - w.counts[i];
      i := i + 1;
    end loop;
    w.requests_reset := w.secs[i] + 60 - p_now;
  elsif w.hits > 0 then
    w.requests_reset := w.secs[1] + 60 - p_now;
  end if;

  w.tokens_over := p_tpm is not null and p_new_tokens > 0 and w.tokens_used + p_new_tokens > p_tpm;
  w.tokens_reset := 0;
  if w.tokens_over and p_new_tokens > p_tpm then
    w.tokens_reset := null; -- never fits: the call alone is more than a minute's tokens
  elsif w.tokens_over then
    need := w.tokens_used + p_new_tokens - p_tpm;
    i := 1;
    while need > w.tokens[i] loop
      need := need - w.tokens[i];
      i := i + 1;
    end loop;
    w.tokens_reset := w.secs[i] + 60 - p_now;
  elsif w.tokens_used > 0 then
    select b.sec + 60 - p_now into w.tokens_reset from unnest(w.secs, w.tokens) as b(sec, t) where t > 0 order by sec limit 1;
  end if;
  w.requests_reset := greatest(round(w.requests_reset, 6), 0);
  w.tokens_reset := case when w.tokens_reset is not null then greatest(round(w.tokens_reset, 6), 0) end; -- (greatest() skips a null)
  return w;
end
$$;
comment on function public.rate_window(bigint[], integer[], bigint[], integer, integer, bigint, numeric) is
  'The request and token rate window at p_now (epoch seconds): live buckets, use, and when a request (and p_new_tokens) fit. The one copy of the window maths.';

-- One hit (and its tokens) added to the window in the bucket of second p_now_s.
create or replace function public.rate_window_take(w public.rate_window, p_now_s bigint, p_tokens bigint) returns public.rate_window
  language plpgsql
  immutable
  set search_path = ''
  as $$
declare
  n integer := cardinality(w.secs);
begin
  -- (>=: should the wall clock step back, the hit joins the newest bucket, never an older one)
  if n > 0 and w.secs[n] >= p_now_s then
    w.counts[n] := w.counts[n] + 1;
    w.tokens[n] := w.tokens[n] + p_tokens;
  else
    w.secs := w.secs || p_now_s;
    w.counts := w.counts || 1;
    w.tokens := w.tokens || p_tokens;
  end if;
  w.hits := w.hits + 1;
  w.tokens_used := w.tokens_used + p_tokens;
  return w;
end
$$;

-- The rate state every answer carries (x-ratelimit-* headers): limits, what is left, exact resets.
create or replace function public.rate_state(w public.rate_window, p_rpm integer, p_tpm integer) returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
  select jsonb_build_object(
    'limit', p_rpm,
    'remaining', greatest(p_rpm - w.hits, 0),
    'reset_seconds', w.requests_reset,
    'tokens', case when p_tpm is null then null else jsonb_build_object(
      'limit', p_tpm,
      'remaining', greatest(p_tpm - w.tokens_used, 0),
      'reset_seconds', coalesce(w.tokens_reset, 60)) end)
$$;
revoke all on function public.rate_window(bigint[], integer[], bigint[], integer, integer, bigint, numeric) from public, anon;
revoke all on function public.rate_window_take(public.rate_window, bigint, bigint) from public, anon;
revoke all on function public.rate_state(public.rate_window, integer, integer) from public, anon;
grant execute on function public.rate_window(bigint[], integer[], bigint[], integer, integer, bigint, numeric) to authenticated, service_role;
grant execute on function public.rate_window_take(public.rate_window, bigint, bigint) to authenticated, service_role;
grant execute on function public.rate_state(public.rate_window, integer, integer) to authenticated, service_role;

-- The refusal a full window makes (exceeded + the wait), requests checked before tokens.
create or replace function public.rate_refusal(w public.rate_window, p_rpm integer, p_tpm integer, p_new_tokens bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
  select case
    when w.requests_over then jsonb_build_object('limit', 'requests_per_minute', 'used', w.hits, 'max', p_rpm,
                                                 'resets_at', now() + make_interval(secs => w.requests_reset),
                                                 'reset_seconds', w.requests_reset)
    when w.tokens_over then jsonb_build_object('limit', 'tokens_per_minute', 'used', w.tokens_used, 'max', p_tpm,
                                               'requested', p_new_tokens,
                                               'resets_at', case when w.tokens_reset is null then null
                                                                 else now() + make_interval(secs => w.tokens_reset) end,
                                               'reset_seconds', w.tokens_reset)
  end
$$;
revoke all on function public.rate_refusal(public.rate_window, integer, integer, bigint) from public, anon;
grant execute on function public.rate_refusal(public.rate_window, integer, integer, bigint) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- The counter of a service without quota columns: its quota and use live in the maps. The
-- name and units lib/services.ts declares for OTHER_SERVICES (a test checks).
create or replace function public.service_map_counter(p_service text) returns public.service_counter
  language sql
  immutable
  set search_path = ''
  as $$
  select row(p_service, p_service || '_requests', null, null, p_service || ' requests', null)::public.service_counter
$$;
comment on function public.service_map_counter(text) is
  'The quota name and units of a service whose quota lives in service_limits/service_used (no columns).';
revoke all on function public.service_map_counter(text) from public, anon;
grant execute on function public.service_map_counter(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- effective_limits: as in 20241108, plus the quota map (held: the lower of the user's and Free's
-- per service; a service only one of them limits keeps that one).
do $$
begin
  if not exists (select 1 from pg_attribute where attrelid = 'public.effective_limits'::regclass and attname = 'service_limits') then
    alter type public.effective_limits add attribute service_limits jsonb; -- the quota map, as effective_limits() applies it
  end if;
end
$$;

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
  e.service_limits := coalesce(s.service_limits, '{}'::jsonb);
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
    select coalesce(jsonb_object_agg(k, v), '{}'::jsonb) into e.service_limits
      from (select k, min(v::bigint) as v
              from (select * from jsonb_each_text(e.service_limits) union all select * from jsonb_each_text(f.service_limits)) as m(k, v)
             group by k) as merged;
  end if;
  return e;
end
$$;

-- ---------------------------------------------------------------------------------------
-- A user's rate rows, one per service type, set to the plan's requests and tokens a minute.
create or replace function public.set_plan_rates(p_user uuid, p_rpm integer, p_tpm integer) returns void
  language sql
  set search_path = ''
  as $$
    insert into public.api_rate_limits (user_id, service_type, requests_per_minute, tokens_per_minute)
    select p_user, s, p_rpm, p_tpm from unnest(array['content', 'image', 'video', 'chat', 'embedding', 'audio', 'moderation']) s
    on conflict (user_id, service_type) do update
      set requests_per_minute = excluded.requests_per_minute, tokens_per_minute = excluded.tokens_per_minute
  $$;
revoke all on function public.set_plan_rates(uuid, integer, integer) from public, anon, authenticated;

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
    content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit, service_limits,
    monthly_cost_budget, enforcement_mode, billing_period_start, billing_period_end
  ) values (
    new.id, p.id, p.name,
    p.content_generations_limit, p.image_generations_limit, p.video_generations_limit, p.chat_messages_limit, p.service_limits,
    p.monthly_cost_budget, p.enforcement_mode, now(), now() + make_interval(months => p.period_months)
  )
  on conflict (user_id) do nothing;
  insert into public.api_rate_limits (user_id, service_type, requests_per_minute, tokens_per_minute)
  select new.id, s, p.requests_per_minute, p.tokens_per_minute
    from unnest(array['content', 'image', 'video', 'chat', 'embedding', 'audio', 'moderation']) s
  on conflict (user_id, service_type) do nothing;
  return new;
end
$$;
revoke all on function public.create_signup_subscription() from public, anon, authenticated;

-- Users get rate rows for the new service types now (their plan's rates).
insert into public.api_rate_limits (user_id, service_type, requests_per_minute, tokens_per_minute)
select s.user_id, svc, coalesce(p.requests_per_minute, d.requests_per_minute), coalesce(p.tokens_per_minute, d.tokens_per_minute)
  from public.user_subscriptions s
  left join public.plans p on p.id = s.plan_type
  cross join (select * from public.plans where id = 'demo') d
  cross join unnest(array['embedding', 'audio', 'moderation']) svc
on conflict (user_id, service_type) do nothing;

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
      service_limits = f.service_limits,
      monthly_cost_budget = f.monthly_cost_budget, enforcement_mode = f.enforcement_mode
    where id = p_id;
    perform public.set_plan_rates(s.user_id, f.requests_per_minute, f.tokens_per_minute);
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
    chat_messages_used = 0, service_used = '{}'::jsonb, period_cost = 0
  where id = p_id
  returning * into s;
  return s;
end
$$;
revoke all on function public.roll_subscription_period(uuid) from public, anon, authenticated;
drop function if exists public.set_plan_rates(uuid, integer);

-- ---------------------------------------------------------------------------------------
-- A service's quota for a subscription and its effective limits: from the columns
-- (service_counter()) or, for a service without them, from the maps. quota null: none.
create or replace function public.service_quota(s public.user_subscriptions, e public.effective_limits, p_service text,
                                                out quota_name text, out used integer, out quota integer, out units text)
  language plpgsql
  stable
  set search_path = ''
  as $$
declare
  counter public.service_counter := public.service_counter(p_service);
begin
  if counter.used_column is not null then
    quota_name := counter.quota_name;
    used := (to_jsonb(s) ->> counter.used_column)::integer;
    quota := (to_jsonb(e) ->> counter.limit_column)::integer;
    units := counter.units;
  else
    counter := public.service_map_counter(p_service);
    quota_name := counter.quota_name;
    used := coalesce((s.service_used ->> p_service)::integer, 0);
    quota := (e.service_limits ->> p_service)::integer;
    units := counter.units;
  end if;
end
$$;
revoke all on function public.service_quota(public.user_subscriptions, public.effective_limits, text) from public, anon;
grant execute on function public.service_quota(public.user_subscriptions, public.effective_limits, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- gateway_admit: as in 20241116, with the window of rate_window() (requests and, with
-- p_tokens, tokens), the quota of any service through service_quota(), and the rate state
-- (exact resets) in every answer.
drop function if exists public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid);

create or replace function public.gateway_admit(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer,
  p_api_key uuid default null, p_past_due_grace_days integer default 7, p_campaign uuid default null, p_tokens bigint default 0
) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  e public.effective_limits;
  rl public.api_rate_limits;
  w public.rate_window;
  now_exact numeric;
  rate_limit integer;
  token_limit integer;
  q record;
  in_flight integer;
  in_flight_cost numeric;
  over_code text;
  over_limit jsonb;
  warnings text[] := '{}';
  admitted boolean;
  campaign_status text;
  tokens bigint := greatest(coalesce(p_tokens, 0), 0);
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

  -- The campaign must be one of the caller's, and not archived; checked before any lock.
  if p_campaign is not null then
    select status into campaign_status from public.campaigns where id = p_campaign and user_id = p_user;
    if not found or campaign_status = 'archived' then
      return jsonb_build_object('admitted', false, 'code', 'invalid_campaign',
                                'campaign', case when found then 'archived' else 'unknown' end);
    end if;
  end if;

  select * into s from public.user_subscriptions where user_id = p_user for update;
  if not found then
    raise exception 'user % has no subscription', p_user using errcode = 'no_data_found';
  end if;
  s := public.roll_subscription_period(s.id);
  e := public.effective_limits(s, p_past_due_grace_days);
  delete from public.usage_holds where user_id = p_user and expires_at <= now();

  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if not found then
    -- Every user has a row per service (signup, plan changes); should one be missing, the
    -- plan's rates apply from this call on. The subscription lock serialises this user's admissions.
    insert into public.api_rate_limits (user_id, service_type, requests_per_minute, tokens_per_minute)
    select p_user, p_service, coalesce(p.requests_per_minute, d.requests_per_minute), coalesce(p.tokens_per_minute, d.tokens_per_minute)
      from public.plans d left join public.plans p on p.id = s.plan_type where d.id = 'demo'
    on conflict (user_id, service_type) do nothing;
    select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  end if;
  rate_limit := least(rl.requests_per_minute, e.requests_per_minute_cap);
  token_limit := rl.tokens_per_minute;
  if e.held_by is not null then
    token_limit := least(token_limit, (select tokens_per_minute from public.plans where id = 'free'));
  end if;
  -- Read after the lock: stamps then never go backwards between this row's writers.
  now_exact := extract(epoch from clock_timestamp());
  w := public.rate_window(rl.window_seconds, rl.window_counts, rl.window_tokens, rate_limit, token_limit, tokens, now_exact);

  select * into q from public.service_quota(s, e, p_service);
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds where user_id = p_user and period_start = s.billing_period_start;

  if w.requests_over or w.tokens_over then
    over_code := 'rate_limited';
    over_limit := public.rate_refusal(w, rate_limit, token_limit, tokens);
  elsif q.quota is not null and q.used + in_flight + p_units > q.quota then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', q.quota_name, 'used', q.used + in_flight, 'max', q.quota, 'resets_at', s.billing_period_end);
  elsif e.monthly_cost_budget is not null and s.period_cost + in_flight_cost + p_estimated_cost > e.monthly_cost_budget then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', 'monthly_cost_budget', 'used', (s.period_cost + in_flight_cost)::text,
                                     'max', e.monthly_cost_budget::text, 'resets_at', s.billing_period_end);
  end if;

  -- The rate is refused under every enforcement mode; quotas and budgets only under 'hard'.
  admitted := over_code is null or (over_code <> 'rate_limited' and e.enforcement_mode <> 'hard');
  if admitted and over_code is not null and e.enforcement_mode = 'soft' then
    warnings := array[over_limit ->> 'limit'];
  end if;
  if admitted then
    w := public.rate_window_take(w, floor(now_exact)::bigint, tokens);
    update public.api_rate_limits set window_seconds = w.secs, window_counts = w.counts, window_tokens = w.tokens where id = rl.id;
    insert into public.usage_holds (request_id, user_id, service_type, units, estimated_cost, period_start, expires_at, tokens, rate_second)
    values (p_request_id, p_user, p_service, p_units, coalesce(p_estimated_cost, 0), s.billing_period_start,
            now() + make_interval(secs => p_hold_seconds), tokens, w.secs[cardinality(w.secs)]);
    -- the reset the answer states: when the oldest hit (now possibly this one) leaves
    w := public.rate_window(w.secs, w.counts, w.tokens, rate_limit, token_limit, 0, now_exact);
  end if;

  return jsonb_build_object(
    'admitted', admitted,
    'code', case when admitted then null else over_code end,
    'exceeded', case when admitted then null else over_limit end,
    'warnings', to_jsonb(warnings),
    'enforcement_mode', e.enforcement_mode,
    'held_by', e.held_by,
    'period_end', s.billing_period_end,
    'rate', public.rate_state(w, rate_limit, token_limit),
    -- exact seconds; the app says ceil() in Retry-After and the exact value in retry-after-ms
    'retry_after_seconds', case when admitted then null
                                when over_code = 'rate_limited' then coalesce((over_limit ->> 'reset_seconds')::numeric, 60)
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;

comment on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint) is
  'Admits or refuses one gateway call atomically (API key, campaign, request and token rate, quota, budget; limits as the subscription status allows) and takes its hold. Server only.';
revoke all on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint) from public, anon, authenticated;
grant execute on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint) to service_role;

-- ---------------------------------------------------------------------------------------
-- gateway_count_refusal: as in 20241111, through rate_window(), with the limits admission
-- applies (the held cap, a missing row made from the plan), and the rate state in every answer.
drop function if exists public.gateway_count_refusal(uuid, text);

create or replace function public.gateway_count_refusal(p_user uuid, p_service text, p_past_due_grace_days integer default 7) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  e public.effective_limits;
  rl public.api_rate_limits;
  w public.rate_window;
  now_exact numeric;
  rate_limit integer;
  token_limit integer;
begin
  -- Read, not locked: only the rate row is written (gateway_admit locks the subscription first,
  -- then the rate row; this takes the rate row alone, so the two cannot deadlock).
  select * into s from public.user_subscriptions where user_id = p_user;
  if not found then
    return jsonb_build_object('limited', false, 'rate', null);
  end if;
  e := public.effective_limits(s, p_past_due_grace_days);
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if not found then
    -- As in gateway_admit: a missing row gets the plan's rates, and the refusal counts.
    insert into public.api_rate_limits (user_id, service_type, requests_per_minute, tokens_per_minute)
    select p_user, p_service, coalesce(p.requests_per_minute, d.requests_per_minute), coalesce(p.tokens_per_minute, d.tokens_per_minute)
      from public.plans d left join public.plans p on p.id = s.plan_type where d.id = 'demo'
    on conflict (user_id, service_type) do nothing;
    select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  end if;
  rate_limit := least(rl.requests_per_minute, e.requests_per_minute_cap);
  token_limit := rl.tokens_per_minute;
  if e.held_by is not null then
    token_limit := least(token_limit, (select tokens_per_minute from public.plans where id = 'free'));
  end if;
  now_exact := extract(epoch from clock_timestamp());
  w := public.rate_window(rl.window_seconds, rl.window_counts, rl.window_tokens, rate_limit, token_limit, 0, now_exact);

  if w.requests_over then
    return jsonb_build_object('limited', true, 'exceeded', public.rate_refusal(w, rate_limit, token_limit, 0),
                              'retry_after_seconds', w.requests_reset, 'rate', public.rate_state(w, rate_limit, token_limit));
  end if;
  w := public.rate_window_take(w, floor(now_exact)::bigint, 0);
  update public.api_rate_limits set window_seconds = w.secs, window_counts = w.counts, window_tokens = w.tokens where id = rl.id;
  w := public.rate_window(w.secs, w.counts, w.tokens, rate_limit, token_limit, 0, now_exact);
  return jsonb_build_object('limited', false, 'rate', public.rate_state(w, rate_limit, token_limit));
end
$$;

comment on function public.gateway_count_refusal(uuid, text, integer) is
  'Counts one call refused before admission against the caller''s request rate; says whether the rate was already full, and the rate state. Server only.';
revoke all on function public.gateway_count_refusal(uuid, text, integer) from public, anon, authenticated;
grant execute on function public.gateway_count_refusal(uuid, text, integer) to service_role;

-- ---------------------------------------------------------------------------------------
-- gateway_check: the read-only twin of gateway_admit, as in 20241117, with the same window
-- (rate_window(), p_tokens too), the quota of any service (service_quota()) and the rate state.
drop function if exists public.gateway_check(uuid, text, integer, numeric, integer);

create or replace function public.gateway_check(
  p_user uuid, p_service text, p_units integer default 1, p_estimated_cost numeric default 0,
  p_past_due_grace_days integer default 7, p_tokens bigint default 0
) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  f public.plans;
  e public.effective_limits;
  step interval;
  plan public.plans;
  rl public.api_rate_limits;
  w public.rate_window;
  rate_limit integer;
  token_limit integer;
  rolled_to_free boolean := false;
  q record;
  in_flight integer;
  in_flight_cost numeric;
  over_code text;
  over_limit jsonb;
  allowed boolean;
  tokens bigint := greatest(coalesce(p_tokens, 0), 0);
begin
  select * into s from public.user_subscriptions where user_id = p_user;
  if not found then
    raise exception 'user % has no subscription', p_user using errcode = 'no_data_found';
  end if;
  select * into plan from public.plans where id = s.plan_type;
  if not found then
    select * into plan from public.plans where id = 'demo';
  end if;

  -- The period roll gateway_admit would do first (roll_subscription_period), in memory only.
  if now() >= s.billing_period_end then
    if s.plan_type = 'demo' then
      select * into f from public.plans where id = 'free';
      if not found then
        raise exception 'public.plans has no free plan to end the Demo on';
      end if;
      s.plan_type := f.id;
      s.plan_name := f.name;
      s.content_generations_limit := f.content_generations_limit;
      s.image_generations_limit := f.image_generations_limit;
      s.video_generations_limit := f.video_generations_limit;
      s.chat_messages_limit := f.chat_messages_limit;
      s.service_limits := f.service_limits;
      s.monthly_cost_budget := f.monthly_cost_budget;
      s.enforcement_mode := f.enforcement_mode;
      -- set_plan_rates would give every service Free's rates.
      plan := f;
      rolled_to_free := true;
      step := make_interval(months => f.period_months);
    else
      step := public.period_step(s.billing_period_start, s.billing_period_end);
    end if;
    s.billing_period_start := s.billing_period_end;
    s.billing_period_end := s.billing_period_start + step;
    while s.billing_period_end <= now() loop
      s.billing_period_start := s.billing_period_end;
      s.billing_period_end := s.billing_period_start + step;
    end loop;
    s.content_generations_used := 0;
    s.image_generations_used := 0;
    s.video_generations_used := 0;
    s.chat_messages_used := 0;
    s.service_used := '{}'::jsonb;
    s.period_cost := 0;
  end if;
  e := public.effective_limits(s, p_past_due_grace_days);

  -- The rates gateway_admit applies: the row's (a missing row gets the plan's, as there).
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service;
  if not found or rolled_to_free then
    rl.requests_per_minute := plan.requests_per_minute;
    rl.tokens_per_minute := plan.tokens_per_minute;
  end if;
  rate_limit := least(rl.requests_per_minute, e.requests_per_minute_cap);
  token_limit := rl.tokens_per_minute;
  if e.held_by is not null then
    token_limit := least(token_limit, (select tokens_per_minute from public.plans where id = 'free'));
  end if;
  w := public.rate_window(rl.window_seconds, rl.window_counts, rl.window_tokens, rate_limit, token_limit, tokens,
                          extract(epoch from clock_timestamp()));

  select * into q from public.service_quota(s, e, p_service);
  -- Holds that have expired no longer count (gateway_admit deletes them first).
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds
   where user_id = p_user and period_start = s.billing_period_start and expires_at > now();

  if w.requests_over or w.tokens_over then
    over_code := 'rate_limited';
    over_limit := public.rate_refusal(w, rate_limit, token_limit, tokens);
  elsif q.quota is not null and q.used + in_flight + p_units > q.quota then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', q.quota_name, 'used', q.used + in_flight, 'max', q.quota, 'resets_at', s.billing_period_end);
  elsif e.monthly_cost_budget is not null and s.period_cost + in_flight_cost + p_estimated_cost > e.monthly_cost_budget then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', 'monthly_cost_budget', 'used', (s.period_cost + in_flight_cost)::text,
                                     'max', e.monthly_cost_budget::text, 'resets_at', s.billing_period_end);
  end if;

  -- As gateway_admit: the rate refuses under every mode; quotas and budgets only under 'hard'.
  allowed := over_code is null or (over_code <> 'rate_limited' and e.enforcement_mode <> 'hard');

  return jsonb_build_object(
    'allowed', allowed,
    'code', case when allowed then null else over_code end,
    'exceeded', over_limit,
    'warnings', to_jsonb(case when allowed and over_code is not null and e.enforcement_mode = 'soft'
                              then array[over_limit ->> 'limit'] else '{}'::text[] end),
    'enforcement_mode', e.enforcement_mode,
    'held_by', e.held_by,
    'plan_type', s.plan_type,
    'period_end', s.billing_period_end,
    'rate', public.rate_state(w, rate_limit, token_limit),
    'retry_after_seconds', case when allowed then null
                                when over_code = 'rate_limited' then greatest(1, ceil(coalesce((over_limit ->> 'reset_seconds')::numeric, 60)))
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;

comment on function public.gateway_check(uuid, text, integer, numeric, integer, bigint) is
  'Read-only twin of gateway_admit: whether one more call of a service would be admitted now, and why not. No lock, no write, no hold. Server only.';
revoke all on function public.gateway_check(uuid, text, integer, numeric, integer, bigint) from public, anon, authenticated;
grant execute on function public.gateway_check(uuid, text, integer, numeric, integer, bigint) to service_role;

-- ---------------------------------------------------------------------------------------
-- raise_usage_alerts: as in 20241114, the quota of any service through service_quota() (on the
-- subscription's own limits, as before: effective_limits of an active subscription).
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
  e public.effective_limits;
  q record;
begin
  if s.plan_type = 'demo' then
    return;
  end if;
  -- The subscription's own limits (not those of a held status), as alerts always read them.
  e.content_generations_limit := s.content_generations_limit;
  e.image_generations_limit := s.image_generations_limit;
  e.video_generations_limit := s.video_generations_limit;
  e.chat_messages_limit := s.chat_messages_limit;
  e.service_limits := s.service_limits;
  select * into q from public.service_quota(s, e, p_service);
  used := q.used;
  quota := q.quota;
  label := q.units;
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
-- record_usage: as in 20241114, plus: a service without quota columns counts its successful
-- calls in service_used; and the tokens admission booked in the rate window (the hold's
-- estimate) are corrected to the call's actual input + output tokens.
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
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call (ledger row, its personal data beside it), its rollups, counters and alerts, releases its hold and corrects its tokens in the rate window, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;
