-- Calls refused before admission count against the caller's request rate (issue 13, item 3).
--
-- A call refused for bad input (or for being over quota) never reached gateway_admit's rate
-- check, so a signed-up account could send refused calls as fast as the network allowed, each
-- leaving a usage row. Now each refusal takes one hit of the same one-second-bucket window
-- gateway_admit keeps; once the window is full, the refusal becomes a 429 rate_limited, as an
-- admitted call's would.

create or replace function public.gateway_count_refusal(p_user uuid, p_service text) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  rl public.api_rate_limits;
  now_s bigint;
  secs bigint[] := '{}';
  counts integer[] := '{}';
  hits integer := 0;
  need integer;
  i integer;
  wait numeric;
begin
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service for update;
  if not found then
    return jsonb_build_object('limited', false);
  end if;
  now_s := floor(extract(epoch from clock_timestamp()));
  select coalesce(array_agg(sec order by sec), '{}'), coalesce(array_agg(n order by sec), '{}')
    into secs, counts
    from unnest(rl.window_seconds, rl.window_counts) as w(sec, n)
   where sec > now_s - 61;
  select coalesce(sum(n), 0) into hits from unnest(counts) n;

  if hits >= rl.requests_per_minute then
    -- Same reading as gateway_admit: the oldest second whose hits must leave before one fits.
    need := hits - rl.requests_per_minute + 1;
    i := 1;
    while need > counts[i] loop
      need := need - counts[i];
      i := i + 1;
    end loop;
    wait := greatest(secs[i] + 61 - extract(epoch from clock_timestamp()), 0);
    return jsonb_build_object('limited', true, 'limit', rl.requests_per_minute, 'used', hits,
                              'retry_after_seconds', greatest(1, ceil(wait)),
                              'resets_at', now() + make_interval(secs => wait));
  end if;

  if cardinality(secs) > 0 and secs[cardinality(secs)] >= now_s then
    counts[cardinality(counts)] := counts[cardinality(counts)] + 1;
  else
    secs := secs || now_s;
    counts := counts || 1;
  end if;
  update public.api_rate_limits set window_seconds = secs, window_counts = counts where id = rl.id;
  return jsonb_build_object('limited', false, 'limit', rl.requests_per_minute, 'remaining', greatest(rl.requests_per_minute - hits - 1, 0));
end
$$;

comment on function public.gateway_count_refusal(uuid, text) is
  'Counts one call refused before admission against the caller''s request rate; says whether the rate was already full. Server only.';
revoke all on function public.gateway_count_refusal(uuid, text) from public, anon, authenticated;
grant execute on function public.gateway_count_refusal(uuid, text) to service_role;
