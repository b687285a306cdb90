-- gateway_check: may this user make one more call of this service now, and if not, why not.
-- The read-only twin of gateway_admit (restated from 20241108_plan_status_and_rates.sql and 20241116_admission_checks_campaign.sql, the
-- latest migration that defines it): the same period roll (an ended Demo year reads as Free),
-- the same effective limits of the subscription's status, expired holds ignored, the same
-- rate window, quota (used + in flight) and budget (spent + in-flight estimates), the same
-- enforcement modes. It takes no lock, writes nothing and takes no hold, so its answer is
-- advice: a call admitted later may still be refused if other calls take the room first.
-- Behind checkUsageLimit() in lib/usage-tracker.ts (see docs/seed-names.md).
create or replace function public.gateway_check(
  p_user uuid, p_service text, p_units integer default 1, p_estimated_cost numeric default 0,
  p_past_due_grace_days integer default 7
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
  plan_rpm integer;
  row_rpm integer;
  window_s bigint[];
  window_n integer[];
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
  counter public.service_counter;
  in_flight integer;
  in_flight_cost numeric;
  over_code text;
  over_limit jsonb;
  allowed boolean;
begin
  select * into s from public.user_subscriptions where user_id = p_user;
  if not found then
    raise exception 'user % has no subscription', p_user using errcode = 'no_data_found';
  end if;
  select requests_per_minute into plan_rpm from public.plans where id = s.plan_type;

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
      s.monthly_cost_budget := f.monthly_cost_budget;
      s.enforcement_mode := f.enforcement_mode;
      -- set_plan_rates would give every service Free's rate.
      plan_rpm := f.requests_per_minute;
      row_rpm := f.requests_per_minute;
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
    s.period_cost := 0;
  end if;
  e := public.effective_limits(s, p_past_due_grace_days);

  -- Request rate: the window gateway_admit keeps (one-second buckets; a hit counts until a full
  -- 60 s have passed after the end of its second). A missing row gets the plan's rate, as there.
  select requests_per_minute, window_seconds, window_counts into rate_limit, window_s, window_n
    from public.api_rate_limits where user_id = p_user and service_type = p_service;
  if not found then
    rate_limit := coalesce(plan_rpm, (select requests_per_minute from public.plans where id = 'demo'));
  end if;
  rate_limit := least(coalesce(row_rpm, rate_limit), e.requests_per_minute_cap);
  now_s := floor(extract(epoch from clock_timestamp()));
  select coalesce(array_agg(sec order by sec), '{}'), coalesce(array_agg(n order by sec), '{}')
    into secs, counts
    from unnest(coalesce(window_s, '{}'), coalesce(window_n, '{}')) as w(sec, n)
   where sec > now_s - 61;
  select coalesce(sum(n), 0) into hits from unnest(counts) n;
  if hits >= rate_limit then
    rate_over := true;
    need := hits - rate_limit + 1;
    i := 1;
    while need > counts[i] loop
      need := need - counts[i];
      i := i + 1;
    end loop;
    rate_reset := greatest(secs[i] + 61 - extract(epoch from clock_timestamp()), 0);
  end if;

  -- The service's counter columns come from service_counter() (20241114), as in gateway_admit;
  -- a service without a quota is governed by the budget and the rate alone.
  counter := public.service_counter(p_service);
  quota_name := counter.quota_name;
  used := (to_jsonb(s) ->> counter.used_column)::integer;
  quota := (to_jsonb(e) ->> counter.limit_column)::integer;
  -- Holds that have expired no longer count (gateway_admit deletes them first).
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds
   where user_id = p_user and period_start = s.billing_period_start and expires_at > now();

  if rate_over then
    over_code := 'rate_limited';
    over_limit := jsonb_build_object('limit', 'requests_per_minute', 'used', hits, 'max', rate_limit,
                                     'resets_at', now() + make_interval(secs => rate_reset));
  elsif quota is not null and used + in_flight + p_units > quota then
    over_code := 'usage_limit_exceeded';
    over_limit := jsonb_build_object('limit', quota_name, 'used', used + in_flight, 'max', quota, 'resets_at', s.billing_period_end);
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
    'rate', jsonb_build_object('limit', rate_limit, 'remaining', greatest(rate_limit - hits, 0)),
    'retry_after_seconds', case when allowed then null
                                when over_code = 'rate_limited' then greatest(1, ceil(rate_reset))
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;

comment on function public.gateway_check(uuid, text, integer, numeric, integer) is
  'Read-only twin of gateway_admit: whether one more call of a service would be admitted now, and why not. No lock, no write, no hold. Server only.';
revoke all on function public.gateway_check(uuid, text, integer, numeric, integer) from public, anon, authenticated;
grant execute on function public.gateway_check(uuid, text, integer, numeric, integer) to service_role;
