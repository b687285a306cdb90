-- Personal data can be erased without touching the ledger (issue 13, item 12).
--
-- api_usage is the operator's immutable record of calls and costs; nobody may change or delete
-- a row. What identifies or describes a person — the sanitized request and response, the IP
-- address and the user agent — now lives beside it in api_usage_details, keyed by request id,
-- where it expires after PAYLOAD_RETENTION_DAYS and goes with the account.
--
-- Deleting a user (delete_account, or removing them from auth.users any other way, e.g. the
-- Supabase dashboard) cascades to every table that describes them. The ledger and its rollups
-- keep their rows: their foreign keys to auth.users (and api_usage's to campaigns) are dropped,
-- so what stays is a uuid that points at nobody, with costs and counts but no payload, IP or
-- user agent. Safe to run twice.

-- ---------------------------------------------------------------------------------------
-- api_usage_details: one row per call that had any personal data, written by record_usage in
-- the same transaction as the ledger row.
create table if not exists public.api_usage_details (
  request_id text primary key references public.api_usage (request_id),
  user_id uuid not null references auth.users (id) on delete cascade,
  ip_address inet,
  user_agent text,
  request_payload jsonb,
  response_payload jsonb,
  -- The call's time (not the insert's), so a row replayed from the spool expires on schedule.
  created_at timestamptz not null default now()
);
comment on table public.api_usage_details is
  'Personal data of a gateway call (sanitized payloads, IP, user agent), kept PAYLOAD_RETENTION_DAYS and deleted with the account. Users read their own; only the gateway writes.';
comment on column public.api_usage_details.request_payload is
  'Sanitized: no credentials, no data URLs, truncated. Never the raw request.';
create index if not exists api_usage_details_created_idx on public.api_usage_details (created_at);
create index if not exists api_usage_details_user_idx on public.api_usage_details (user_id);

revoke all on public.api_usage_details from anon, authenticated;
grant select on public.api_usage_details to authenticated;
grant all on public.api_usage_details to service_role;
alter table public.api_usage_details enable row level security;
drop policy if exists "Users read own usage details" on public.api_usage_details;
create policy "Users read own usage details" on public.api_usage_details
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own usage details" on public.api_usage_details is
  'A user sees the payloads, IP and user agent of their own calls only; nobody else (operators read through the server).';

-- ---------------------------------------------------------------------------------------
-- Move what api_usage holds into the new table, then drop the columns. DROP COLUMN only hides
-- the values: CLUSTER rewrites the table, writing every row again with the dropped columns
-- null, so the old payloads leave the data files (not backups or WAL already archived).
-- Neither fires the append-only triggers, which guard rows, not the table's shape.
do $$
begin
  if exists (select 1 from information_schema.columns
              where table_schema = 'public' and table_name = 'api_usage' and column_name = 'request_payload') then
    insert into public.api_usage_details (request_id, user_id, ip_address, user_agent, request_payload, response_payload, created_at)
    select request_id, user_id, ip_address, user_agent, request_payload, response_payload, created_at
      from public.api_usage
     where ip_address is not null or user_agent is not null or request_payload is not null or response_payload is not null
    on conflict (request_id) do nothing;
    alter table public.api_usage
      drop column ip_address, drop column user_agent, drop column request_payload, drop column response_payload;
    cluster public.api_usage using api_usage_pkey;
    alter table public.api_usage set without cluster;
  end if;
end
$$;

-- The accounting rows outlive the person: no foreign key may cascade them away or block the
-- deletion. (Found by column, whatever the constraint's name.)
do $$
declare
  fk record;
begin
  for fk in
    select c.conrelid::regclass as tbl, c.conname
      from pg_constraint c
     where c.contype = 'f'
       and ((c.conrelid = 'public.api_usage'::regclass and c.confrelid in ('auth.users'::regclass, 'public.campaigns'::regclass))
         or (c.conrelid = 'public.usage_aggregations'::regclass and c.confrelid = 'auth.users'::regclass))
  loop
    execute format('alter table %s drop constraint %I', fk.tbl, fk.conname);
  end loop;
end
$$;
comment on column public.api_usage.user_id is
  'Who made the call while the account exists; after the account is deleted, a uuid that points at nobody (no foreign key, on purpose).';
comment on column public.api_usage.campaign_id is
  'The campaign the call was tagged with; kept as a bare id after the campaign is deleted with its account.';
comment on policy "Users delete own campaigns" on public.campaigns is
  'A user may delete their own campaigns; their calls keep the campaign id (the app archives instead of deleting).';

-- Video jobs carry the request's personal data until their row is written; retention clears
-- it from jobs older than the retention period (this index finds them).
create index if not exists video_jobs_personal_created_idx on public.video_jobs (created_at)
  where request_payload is not null or ip_address is not null or user_agent is not null;

-- ---------------------------------------------------------------------------------------
-- record_usage(row): as in 20241104, plus the personal data going to api_usage_details. The
-- JSON input is unchanged (ip_address, user_agent, request_payload and response_payload keys),
-- so rows spooled to disk before this migration replay as they are.
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
  d_ip inet := (p ->> 'ip_address')::inet;
  d_agent text := p ->> 'user_agent';
  d_request jsonb := nullif(p -> 'request_payload', 'null'::jsonb);
  d_response jsonb := nullif(p -> 'response_payload', 'null'::jsonb);
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
  'Writes one gateway call (ledger row, its personal data beside it), its rollups, counters and alerts, and releases its hold, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------
-- Retention: deletes one batch of details older than p_days and clears the personal data of
-- one batch of video jobs that old; returns how many rows it touched. Rows another instance is
-- working on are skipped (SKIP LOCKED), so every app process may run it at once; callers loop
-- until it returns 0, each batch its own short transaction.
create or replace function public.expire_personal_data(p_days integer, p_batch integer) returns integer
  language plpgsql
  set search_path = ''
  as $$
declare
  cutoff timestamptz := now() - make_interval(days => p_days);
  details integer;
  jobs integer;
begin
  delete from public.api_usage_details d
   where d.request_id in (select request_id from public.api_usage_details
                           where created_at < cutoff
                           order by created_at
                           limit p_batch
                           for update skip locked);
  get diagnostics details = row_count;
  update public.video_jobs j set request_payload = null, ip_address = null, user_agent = null
   where j.id in (select id from public.video_jobs
                   where created_at < cutoff
                     and (request_payload is not null or ip_address is not null or user_agent is not null)
                   limit p_batch
                   for update skip locked);
  get diagnostics jobs = row_count;
  return details + jobs;
end
$$;
comment on function public.expire_personal_data(integer, integer) is
  'Deletes one batch of call details (and clears video jobs'' personal data) older than p_days. Server only.';
revoke all on function public.expire_personal_data(integer, integer) from public, anon, authenticated;
grant execute on function public.expire_personal_data(integer, integer) to service_role;

-- ---------------------------------------------------------------------------------------
-- delete_account: erases a user in one transaction. Deleting the auth.users row cascades to
-- everything that describes them (subscription, keys, campaigns, video jobs, holds, alerts and
-- their deliveries, rate limits, session epochs, call details); the sign-in throttle, keyed by
-- a hash of the email, is removed here. api_usage and usage_aggregations keep their rows.
-- Refuses ('stripe_subscription') while a Stripe subscription would go on billing the person.
create or replace function public.delete_account(p_user uuid) returns jsonb
  language plpgsql
  set search_path = ''
  as $$
declare
  s public.user_subscriptions;
  mail text;
begin
  -- The subscription lock first, as gateway_admit and record_usage take it: an admission of
  -- this user either finished before or finds no subscription after.
  select * into s from public.user_subscriptions where user_id = p_user for update;
  if s.stripe_subscription_id is not null and s.status <> 'canceled' and not s.cancel_at_period_end then
    return jsonb_build_object('deleted', false, 'reason', 'stripe_subscription');
  end if;
  select email into mail from auth.users where id = p_user;
  if not found then
    return jsonb_build_object('deleted', false, 'reason', 'no_such_user');
  end if;
  delete from public.auth_login_throttle
   where email_hash = encode(sha256(convert_to(lower(mail), 'UTF8')), 'hex');
  delete from auth.users where id = p_user;
  return jsonb_build_object('deleted', true);
end
$$;
comment on function public.delete_account(uuid) is
  'Deletes a user and all their personal data, keeping the ledger (api_usage) and rollups. Server only.';
revoke all on function public.delete_account(uuid) from public, anon, authenticated;
grant execute on function public.delete_account(uuid) to service_role;
