-- The gateway's hot path, made cheaper without loosening any guarantee (issue 8, BENCHMARKS.md).
--
-- 1. Request-rate windows become one-second buckets. The sliding-window log kept one timestamp
--    per admitted request of the last minute: with a high limit (10,000 a minute) every
--    admission rewrote an array of thousands of timestamps while holding the user's lock.
--    Buckets keep at most 61 (second, count) pairs. Still never over-admits: a hit counts for
--    60 to 61 s instead of exactly 60.
-- 2. gateway_admit checks the caller's API key (and stamps its last use) in the same round
--    trip, so the app can cache key → user and still refuse a revoked key at once.

alter table public.api_rate_limits add column if not exists window_seconds bigint[] not null default '{}';
alter table public.api_rate_limits add column if not exists window_counts integer[] not null default '{}';
do $$
begin
  if exists (select 1 from information_schema.columns
              where table_schema = 'public' and table_name = 'api_rate_limits' and column_name = 'window_hits') then
    -- Carry the current minute over, so a migration does not reset anyone's window.
    update public.api_rate_limits r
       set window_seconds = b.secs, window_counts = b.counts
      from (select id, array_agg(sec order by sec) secs, array_agg(n order by sec) counts
              from (select id, floor(extract(epoch from h))::bigint sec, count(*)::int n
                      from public.api_rate_limits, unnest(window_hits) h
                     where h > now() - interval '61 seconds'
                     group by id, sec) per_second
             group by id) b
     where r.id = b.id;
    alter table public.api_rate_limits drop column window_hits;
  end if;
end
$$;
comment on table public.api_rate_limits is
  'Request-rate state per user and service (sliding window of one-second buckets). Users read their own; only the gateway writes.';
comment on column public.api_rate_limits.window_seconds is 'Epoch seconds of the last minute that had admitted requests, ascending; parallel to window_counts.';

drop function if exists public.gateway_admit(uuid, text, integer, numeric, text, integer);

create or replace function public.gateway_admit(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer,
  p_api_key uuid default null
) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
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
  delete from public.usage_holds where user_id = p_user and expires_at <= now();

  -- Request rate: a sliding window of the last minute in one-second buckets (at most 61 pairs
  -- of second and count, however high the limit). A hit counts until a full 60 s have passed
  -- after the end of its second, so any 60 s span holds at most requests_per_minute.
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if found then
    -- Read after the lock: stamps then never go backwards between this row's writers.
    now_s := floor(extract(epoch from clock_timestamp()));
    rate_limit := rl.requests_per_minute;
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
    over_limit := jsonb_build_object('limit', 'requests_per_minute', 'used', hits, 'max', rate_limit,
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
      hits := hits + 1;
      -- (>=: should the wall clock step back, the hit joins the newest bucket, never an older one)
      if cardinality(secs) > 0 and secs[cardinality(secs)] >= now_s then
        counts[cardinality(counts)] := counts[cardinality(counts)] + 1;
      else
        secs := secs || now_s;
        counts := counts || 1;
      end if;
      update public.api_rate_limits set window_seconds = secs, window_counts = counts where id = rl.id;
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
      'remaining', greatest(rate_limit - hits, 0),
      'reset_seconds', case when hits = 0 then 0
                            else greatest(ceil(secs[1] + 61 - extract(epoch from clock_timestamp())), 0) end) end,
    'retry_after_seconds', case when admitted then null
                                when over_code = 'rate_limited' then greatest(1, ceil(rate_reset))
                                else greatest(1, ceil(extract(epoch from s.billing_period_end - now()))) end
  );
end
$$;

comment on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid) is
  'Admits or refuses one gateway call atomically (API key, rate, quota, budget) and takes its hold. Server only.';
revoke all on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid) from public, anon, authenticated;
grant execute on function public.gateway_admit(uuid, text, integer, numeric, text, integer, uuid) to service_role;
