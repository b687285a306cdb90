-- Issue 14, item 3: each request resolved once. gateway_admit takes the call's campaign
-- (p_campaign) and refuses one that is not the caller's or is archived, in the admission
-- round trip: the gateway no longer reads the campaign in a query of its own. Its quota is
-- read through service_counter() (20241114). Restated in full from 20241108; only those lines
-- changed.

-- ---------------------------------------------------------------------------------------
-- gateway_admit: as in 20241108, plus p_campaign (checked first, before any lock) and the
-- quota read through service_counter().
drop function if exists public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer);

create or replace function public.gateway_admit(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer,
  p_api_key uuid default null, p_past_due_grace_days integer default 7, p_campaign uuid default null
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
  counter public.service_counter;
  campaign_status text;
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

  -- The campaign the call is tagged with must be one of the caller's, and not archived. Checked
  -- before anything is locked or taken: a refused campaign spends nothing here (the app then
  -- counts the refusal against the rate, as for any other bad input).
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

  -- A service without a quota column (none today) is governed by the budget and the rate alone.
  counter := public.service_counter(p_service);
  quota_name := counter.quota_name;
  used := (to_jsonb(s) ->> counter.used_column)::integer;
  quota := (to_jsonb(e) ->> counter.limit_column)::integer;
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds where user_id = p_user and period_start = s.billing_period_start;

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

comment on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid) is
  'Admits or refuses one gateway call atomically (API key, campaign, rate, quota, budget; limits as the subscription status allows) and takes its hold. Server only.';
revoke all on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid) from public, anon, authenticated;
grant execute on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid, integer, uuid) to service_role;
