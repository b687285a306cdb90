-- Quota leases (issue 18): admission without a round trip, exactly.
--
-- An app instance that admits a call for a user far from every limit also reserves, in the same
-- locked step, a slice of what the user has left: room for `n` more calls like this one — n
-- requests booked in the rate window, n × the call's tokens, n × its units of quota and n × its
-- estimated cost of budget. The slice is an ordinary row of usage_holds (request_id
-- 'lease_…'), so every check that counts holds in flight (admission on any instance, the dry
-- check, the Usage tab) counts it, and the sum of all holds and slices can never pass a limit:
-- each slice is taken under the subscription's lock, against what is left after every other.
--
-- The instance then admits up to n calls of that user itself, without asking the database
-- (lib/gateway/lease.ts), for at most p_lease_seconds. Each such call's usage row names the
-- lease and what it took of it; settlement (record_usage) subtracts that from the lease's row.
-- What the instance did not use it gives back (gateway_lease_return) when the lease ends, on
-- shutdown, or when the user's keys or terms change; the requests and tokens it did not use
-- leave the rate window then. An instance that dies keeps its slice until the row expires
-- (p_lease_seconds + the hold's own time): then the unused room comes back by itself.
--
-- A slice is at most an eighth of what is left in every limit in reach, and none is given when
-- that is under 16 calls (so only with 128 or more of every limit left): near a limit, every
-- call is admitted in the database, as before — one by one, each taking its own place under the lock.
--
-- A call refused while slices of the user are out (their unused part could have covered it)
-- answers `leased: true` and tells every instance to give its slices of the user back (NOTIFY
-- tollgate_terms, below); the app asks again once they are back, so "exactly the limit is
-- admitted" holds across instances too: a refusal is final only when no slice is out.

create or replace function public.gateway_lease(
  p_user uuid, p_service text, p_units integer, p_estimated_cost numeric, p_request_id text, p_hold_seconds integer,
  p_api_key uuid, p_past_due_grace_days integer, p_campaign uuid, p_tokens bigint,
  p_lease_calls integer, p_lease_seconds integer, p_lease_tokens bigint default null
) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  a jsonb;
  s public.user_subscriptions;
  e public.effective_limits;
  q record;
  rl public.api_rate_limits;
  in_flight integer;
  in_flight_cost numeric;
  n integer := least(greatest(coalesce(p_lease_calls, 0), 0), 1000);
  k integer;
  tokens bigint := greatest(coalesce(p_tokens, 0), 0);
  -- Tokens per call in the slice: the app's cheap bound on calls like this one when it has one
  -- (so later calls need not count their prompt), else this call's own.
  per_call_tokens bigint := greatest(coalesce(p_lease_tokens, 0), greatest(coalesce(p_tokens, 0), 0));
  budgeted boolean;
  v_id text;
  v_units integer;
  v_cost numeric;
  v_tokens bigint;
  v_second bigint;
begin
  -- This call first, exactly as without leases (key, campaign, rate, quota, budget, its hold).
  a := public.gateway_admit(p_user, p_service, p_units, p_estimated_cost, p_request_id, p_hold_seconds,
                            p_api_key, p_past_due_grace_days, p_campaign, p_tokens);
  if not (a ->> 'admitted')::boolean then
    if a ->> 'code' in ('usage_limit_exceeded', 'rate_limited')
       and exists (select 1 from public.usage_holds where user_id = p_user and left(request_id, 6) = 'lease_' and expires_at > now()) then
      perform pg_notify('tollgate_terms', p_user::text);
      return a || jsonb_build_object('leased', true);
    end if;
    return a;
  end if;
  if n < 16 or jsonb_array_length(a -> 'warnings') > 0 or a -> 'rate' is null then
    return a;
  end if;

  -- gateway_admit holds the subscription and rate rows locked until this transaction ends.
  select * into s from public.user_subscriptions where user_id = p_user;
  e := public.effective_limits(s, p_past_due_grace_days);
  select * into rl from public.api_rate_limits where user_id = p_user and service_type = p_service;
  select * into q from public.service_quota(s, e, p_service);
  select coalesce(sum(units) filter (where service_type = p_service), 0), coalesce(sum(estimated_cost), 0)
    into in_flight, in_flight_cost
    from public.usage_holds where user_id = p_user and period_start = s.billing_period_start;

  -- At most an eighth of what is left in each limit in reach. Quotas and budgets bind only when
  -- enforced (off: never refused; soft: refused never, but warned — a slice stays far from them).
  n := least(n, (a -> 'rate' ->> 'remaining')::integer / 8);
  if a -> 'rate' -> 'tokens' is not null and a -> 'rate' -> 'tokens' <> 'null'::jsonb and per_call_tokens > 0 then
    n := least(n, ((a -> 'rate' -> 'tokens' ->> 'remaining')::bigint / 8 / per_call_tokens)::integer);
  end if;
  if e.enforcement_mode <> 'off' and q.quota is not null then
    n := least(n, ((q.quota - q.used - in_flight) / 8 / greatest(p_units, 1))::integer);
  end if;
  budgeted := e.enforcement_mode <> 'off' and e.monthly_cost_budget is not null;
  if budgeted and coalesce(p_estimated_cost, 0) > 0 then
    n := least(n, floor((e.monthly_cost_budget - s.period_cost - in_flight_cost) / 8 / p_estimated_cost)::integer);
  end if;
  if n < 16 then
    return a;
  end if;

  v_id := 'lease_' || replace(gen_random_uuid()::text, '-', '');
  v_units := n * greatest(p_units, 1);
  v_cost := case when budgeted then n * coalesce(p_estimated_cost, 0) else 0 end;
  v_tokens := n * per_call_tokens;
  -- The slice's requests and tokens go in the window's bucket of the second the lease ENDS: its
  -- calls are made up to then, and each must count for a full minute from when it is made, so
  -- they count from now until that second has left the window (a little longer for the early
  -- ones: never less). rate_window() counts a bucket ahead of the clock; later hits before that
  -- second join it (rate_window_take), counting longer too.
  v_second := floor(extract(epoch from clock_timestamp()))::bigint + p_lease_seconds;
  k := cardinality(rl.window_seconds);
  if k > 0 and rl.window_seconds[k] >= v_second then
    update public.api_rate_limits
       set window_counts[k] = window_counts[k] + n, window_tokens[k] = coalesce(window_tokens[k], 0) + v_tokens
     where id = rl.id;
    v_second := rl.window_seconds[k];
  else
    update public.api_rate_limits
       set window_seconds = window_seconds || v_second, window_counts = window_counts || n, window_tokens = window_tokens || v_tokens
     where id = rl.id;
  end if;
  insert into public.usage_holds (request_id, user_id, service_type, units, estimated_cost, period_start, expires_at, tokens, rate_second)
  values (v_id, p_user, p_service, v_units, v_cost, s.billing_period_start,
          now() + make_interval(secs => p_hold_seconds + p_lease_seconds), v_tokens, v_second);

  return a || jsonb_build_object('lease', jsonb_build_object(
    'id', v_id, 'calls', n, 'units', v_units, 'cost', case when budgeted then v_cost::text end, 'tokens', v_tokens,
    'seconds', p_lease_seconds));
end
$$;
comment on function public.gateway_lease(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint, integer, integer, bigint) is
  'gateway_admit, plus — for a user far from every limit — a slice of the rest reserved for the calling instance to admit up to n more calls itself. Server only.';
revoke all on function public.gateway_lease(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint, integer, integer, bigint) from public, anon, authenticated;
grant execute on function public.gateway_lease(uuid, text, integer, numeric, text, integer, uuid, integer, uuid, bigint, integer, integer, bigint) to service_role;

-- What an instance did not use of a lease, given back: the hold row shrinks by it (and goes when
-- nothing is left: no call of the lease is in flight), and the unused requests and tokens leave
-- the rate window if their second is still in it. Locks in admission's order: subscription,
-- hold, rate row. A lease already gone (expired, released by an operator) needs nothing.
create or replace function public.gateway_lease_return(
  p_user uuid, p_service text, p_lease text, p_units integer, p_cost numeric, p_tokens bigint, p_requests integer
) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  v_second bigint;
begin
  perform 1 from public.user_subscriptions where user_id = p_user for update;
  delete from public.usage_holds where request_id = p_lease and user_id = p_user and units <= greatest(p_units, 0)
  returning rate_second into v_second;
  if not found then
    update public.usage_holds
       set units = units - greatest(p_units, 0), estimated_cost = greatest(estimated_cost - greatest(coalesce(p_cost, 0), 0), 0),
           tokens = greatest(tokens - greatest(p_tokens, 0), 0)
     where request_id = p_lease and user_id = p_user
    returning rate_second into v_second;
  end if;
  if not found or v_second is null then
    return;
  end if;
  update public.api_rate_limits l
     set window_counts = l.window_counts[:b.i - 1] || greatest(l.window_counts[b.i] - greatest(p_requests, 0), 0) || l.window_counts[b.i + 1:],
         window_tokens = l.window_tokens[:b.i - 1] || greatest(coalesce(l.window_tokens[b.i], 0) - greatest(p_tokens, 0), 0) || l.window_tokens[b.i + 1:]
    from (select id, array_position(window_seconds, v_second) as i
            from public.api_rate_limits where user_id = p_user and service_type = p_service) as b
   where l.id = b.id and b.i is not null;
end
$$;
comment on function public.gateway_lease_return(uuid, text, text, integer, numeric, bigint, integer) is
  'Gives back what an instance did not use of a quota lease (gateway_lease). Server only.';
revoke all on function public.gateway_lease_return(uuid, text, text, integer, numeric, bigint, integer) from public, anon, authenticated;
grant execute on function public.gateway_lease_return(uuid, text, text, integer, numeric, bigint, integer) to service_role;

-- ---------------------------------------------------------------------------------------
-- Changed terms end leases everywhere at once. A lease was cut against the terms of its moment;
-- when a user's plan, limits, budget, enforcement, status or period change, their rates change,
-- a key of theirs is revoked, or the user is deleted, NOTIFY tollgate_terms '<user id>' (on
-- commit) tells every instance, which ends that user's leases (lib/gateway/lease.ts via
-- termsEvents() in lib/usage/live.ts); a revoked service key says 'service:<key id>'. The
-- conditions leave out what settlement and admission write on every call (counters, cost, the
-- rate window, last use), so the hot path sends nothing.
create or replace function public.notify_terms_changed() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if tg_table_name = 'operator_keys' then
    perform pg_notify('tollgate_terms', 'service:' || new.id::text);
  else
    perform pg_notify('tollgate_terms', (case when tg_op = 'DELETE' then old.user_id else new.user_id end)::text);
  end if;
  return null;
end
$$;
comment on function public.notify_terms_changed() is
  'Tells every app instance that a user''s terms (or a service key) changed, so their quota leases end (20241202_quota_leases.sql).';
revoke all on function public.notify_terms_changed() from public, anon, authenticated;

drop trigger if exists user_subscriptions_terms_changed on public.user_subscriptions;
create trigger user_subscriptions_terms_changed after update on public.user_subscriptions
  for each row when (
    (old.plan_type, old.status, old.status_changed_at, old.enforcement_mode, old.monthly_cost_budget,
     old.content_generations_limit, old.image_generations_limit, old.video_generations_limit, old.chat_messages_limit,
     old.service_limits, old.billing_period_start, old.billing_period_end)
    is distinct from
    (new.plan_type, new.status, new.status_changed_at, new.enforcement_mode, new.monthly_cost_budget,
     new.content_generations_limit, new.image_generations_limit, new.video_generations_limit, new.chat_messages_limit,
     new.service_limits, new.billing_period_start, new.billing_period_end))
  execute function public.notify_terms_changed();

drop trigger if exists user_subscriptions_terms_deleted on public.user_subscriptions;
create trigger user_subscriptions_terms_deleted after delete on public.user_subscriptions
  for each row execute function public.notify_terms_changed();

drop trigger if exists api_rate_limits_terms_changed on public.api_rate_limits;
create trigger api_rate_limits_terms_changed after update on public.api_rate_limits
  for each row when ((old.requests_per_minute, old.tokens_per_minute) is distinct from (new.requests_per_minute, new.tokens_per_minute))
  execute function public.notify_terms_changed();

drop trigger if exists api_keys_terms_changed on public.api_keys;
create trigger api_keys_terms_changed after update on public.api_keys
  for each row when (old.revoked_at is distinct from new.revoked_at)
  execute function public.notify_terms_changed();

drop trigger if exists operator_keys_terms_changed on public.operator_keys;
create trigger operator_keys_terms_changed after update on public.operator_keys
  for each row when (old.revoked_at is distinct from new.revoked_at)
  execute function public.notify_terms_changed();
