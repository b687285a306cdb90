-- Sign-in abuse (issue 13, item 8), and Stripe state read from Stripe (item 9, at the end).
-- Sign-in: throttles in front of the password hash, shared by every
-- app instance, and sign-out that ends one session on the server.
--
-- 1. Token buckets for hash attempts: one per caller IP (hashed) and one for the whole
--    deployment. A bucket holds up to `capacity` tokens and refills at `per_second`; an
--    attempt takes one or is refused with the seconds until the next token. Refused attempts
--    take nothing, so hammering does not push the wait further out.
-- 2. The per-email counter (auth_login_throttle) becomes a progressive delay: every attempt is
--    counted as a failure when it starts (a success clears it), so a burst of parallel guesses
--    cannot outrun it; from the fifth failure on, the next attempt waits 1, 2, 4 … seconds, at
--    most five minutes. Nobody can lock an owner out for longer than that.
-- 3. auth_ended_sessions: the built-in backend's sessions ended by signing out, so a copy of
--    the cookie stops working at once on every route.

create table if not exists public.auth_attempt_buckets (
  bucket text primary key check (bucket = 'global' or bucket ~ '^ip:[0-9a-f]{64}$'),
  tokens numeric(16, 6) not null, -- fractional: buckets refill continuously
  updated_at timestamptz not null default now()
);
create index if not exists auth_attempt_buckets_updated_at_idx on public.auth_attempt_buckets (updated_at);
comment on table public.auth_attempt_buckets is
  'Sign-in throttle token buckets (per hashed caller IP, and global). Server only: no user role may read or write it.';
revoke all on public.auth_attempt_buckets from anon, authenticated;
grant all on public.auth_attempt_buckets to service_role;
alter table public.auth_attempt_buckets enable row level security;
-- No policy on purpose: with RLS on and no policy, anon and authenticated see nothing.

create table if not exists public.auth_ended_sessions (
  session_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  -- The token's own expiry: after it the row is useless (the token is refused anyway).
  expires_at timestamptz not null
);
create index if not exists auth_ended_sessions_expires_at_idx on public.auth_ended_sessions (expires_at);
comment on table public.auth_ended_sessions is
  'Built-in auth: sessions ended by signing out; their tokens are refused until they expire. Server only.';
revoke all on public.auth_ended_sessions from anon, authenticated;
grant all on public.auth_ended_sessions to service_role;
alter table public.auth_ended_sessions enable row level security;

-- Seconds to wait for a token of `p_bucket` (0: one was taken). Locks the bucket's row until
-- the caller's transaction ends; takes the token only when `p_take`.
create or replace function public.auth_bucket_wait(p_bucket text, p_per_second double precision, p_capacity double precision, p_now timestamptz)
  returns double precision
  language plpgsql
  set search_path = ''
  as $$
declare
  v_tokens double precision;
  v_updated timestamptz;
begin
  insert into public.auth_attempt_buckets as b (bucket, tokens, updated_at) values (p_bucket, p_capacity, p_now)
  on conflict (bucket) do nothing;
  select b.tokens, b.updated_at into v_tokens, v_updated from public.auth_attempt_buckets b where b.bucket = p_bucket for update;
  v_tokens := least(p_capacity, v_tokens + greatest(0, extract(epoch from p_now - v_updated)) * p_per_second);
  if v_tokens >= 1 then
    return 0;
  end if;
  return (1 - v_tokens) / p_per_second;
end
$$;

create or replace function public.auth_bucket_take(p_bucket text, p_per_second double precision, p_capacity double precision, p_now timestamptz)
  returns void
  language sql
  set search_path = ''
  as $$
  update public.auth_attempt_buckets
     set tokens = least(p_capacity, tokens + greatest(0, extract(epoch from p_now - updated_at)) * p_per_second) - 1,
         updated_at = p_now
   where bucket = p_bucket
$$;

-- Delay after the n-th failure in a row: none before `p_free`, then 1, 2, 4 … seconds up to `p_max`.
create or replace function public.auth_failure_delay(p_failures integer, p_free integer, p_max integer)
  returns interval
  language sql
  immutable
  set search_path = ''
  as $$
  select case when p_failures < p_free then interval '0'
              else make_interval(secs => least(p_max, power(2, least(p_failures - p_free, 30))))
         end
$$;

-- Starts one password attempt: checks the email's delay, the caller IP's bucket and the global
-- bucket, in that order (one lock order, so no deadlock), and only when all three allow it
-- takes the tokens and counts the attempt against the email. Returns the refusing scope
-- ('email', 'ip', 'global') and whole seconds to wait, or null scope when the hash may run.
-- Null email or IP skips that check (sign-up has no email counter; an unknown IP none).
create or replace function public.auth_attempt_begin(
  p_email_hash text, p_ip_hash text,
  p_ip_per_minute integer, p_hashes_per_second integer,
  p_free_failures integer, p_max_delay_seconds integer, p_window_minutes integer)
  returns table (scope text, retry_after integer)
  language plpgsql
  set search_path = ''
  as $$
declare
  v_now timestamptz := clock_timestamp();
  v_until timestamptz;
  v_wait double precision;
  v_ip text := case when p_ip_hash is null then null else 'ip:' || p_ip_hash end;
begin
  if p_email_hash is not null then
    select t.locked_until into v_until from public.auth_login_throttle t where t.email_hash = p_email_hash for update;
    if v_until > v_now then
      return query select 'email'::text, ceil(extract(epoch from v_until - v_now))::integer;
      return;
    end if;
  end if;
  if v_ip is not null then
    v_wait := public.auth_bucket_wait(v_ip, p_ip_per_minute / 60.0, p_ip_per_minute, v_now);
    if v_wait > 0 then
      return query select 'ip'::text, greatest(1, ceil(v_wait))::integer;
      return;
    end if;
  end if;
  v_wait := public.auth_bucket_wait('global', p_hashes_per_second, p_hashes_per_second, v_now);
  if v_wait > 0 then
    return query select 'global'::text, greatest(1, ceil(v_wait))::integer;
    return;
  end if;

  if v_ip is not null then
    perform public.auth_bucket_take(v_ip, p_ip_per_minute / 60.0, p_ip_per_minute, v_now);
  end if;
  perform public.auth_bucket_take('global', p_hashes_per_second, p_hashes_per_second, v_now);
  if p_email_hash is not null then
    -- Counted now, before the hash: parallel attempts see each other. A failure older than the
    -- window starts the count again.
    insert into public.auth_login_throttle as t (email_hash, failures, window_started_at, locked_until, updated_at)
    values (p_email_hash, 1, v_now, v_now + public.auth_failure_delay(1, p_free_failures, p_max_delay_seconds), v_now)
    on conflict (email_hash) do update set
      failures = case when t.updated_at < v_now - make_interval(mins => p_window_minutes) then 1 else t.failures + 1 end,
      window_started_at = case when t.updated_at < v_now - make_interval(mins => p_window_minutes) then v_now else t.window_started_at end,
      locked_until = v_now + public.auth_failure_delay(
        case when t.updated_at < v_now - make_interval(mins => p_window_minutes) then 1 else t.failures + 1 end,
        p_free_failures, p_max_delay_seconds),
      updated_at = v_now;
  end if;
  -- Buckets of callers gone for a day are full again anyway: forget them now and then.
  if random() < 0.01 then
    delete from public.auth_attempt_buckets b where b.bucket <> 'global' and b.updated_at < v_now - interval '1 day';
  end if;
  return query select null::text, 0;
end
$$;

-- A password attempt that failed: its delay starts now (the hash took time), sized by the
-- failures counted so far.
create or replace function public.auth_attempt_failed(p_email_hash text, p_free_failures integer, p_max_delay_seconds integer)
  returns void
  language sql
  set search_path = ''
  as $$
  with clock as (select clock_timestamp() as now)
  update public.auth_login_throttle t
     set locked_until = clock.now + public.auth_failure_delay(t.failures, p_free_failures, p_max_delay_seconds),
         updated_at = clock.now
    from clock
   where t.email_hash = p_email_hash
$$;

-- An attempt that was neither right nor wrong (the auth service was down): it does not count.
create or replace function public.auth_attempt_refund(p_email_hash text)
  returns void
  language plpgsql
  set search_path = ''
  as $$
begin
  delete from public.auth_login_throttle t where t.email_hash = p_email_hash and t.failures <= 1;
  update public.auth_login_throttle t set failures = t.failures - 1, locked_until = null where t.email_hash = p_email_hash;
end
$$;

revoke all on function public.auth_bucket_wait(text, double precision, double precision, timestamptz) from public, anon, authenticated;
revoke all on function public.auth_bucket_take(text, double precision, double precision, timestamptz) from public, anon, authenticated;
revoke all on function public.auth_failure_delay(integer, integer, integer) from public, anon, authenticated;
revoke all on function public.auth_attempt_begin(text, text, integer, integer, integer, integer, integer) from public, anon, authenticated;
revoke all on function public.auth_attempt_failed(text, integer, integer) from public, anon, authenticated;
revoke all on function public.auth_attempt_refund(text) from public, anon, authenticated;
grant execute on function public.auth_attempt_begin(text, text, integer, integer, integer, integer, integer) to service_role;
grant execute on function public.auth_attempt_failed(text, integer, integer) to service_role;
grant execute on function public.auth_attempt_refund(text) to service_role;

-- Stripe (issue 13, item 9): with an API key, every subscription event re-reads the
-- subscription from Stripe and applies what Stripe says now. Two deliveries handled at once
-- must not let the older read win: the moment of the read that was applied is kept here, and a
-- read older than it is stale.
alter table public.user_subscriptions add column if not exists stripe_synced_at timestamptz;
comment on column public.user_subscriptions.stripe_synced_at is
  'When the subscription state applied last was read from Stripe''s API (null: applied from a webhook payload).';
