-- Recording gateway calls: one function that writes a usage row and everything derived from
-- it in the same transaction, and the table of asynchronous video jobs. Safe to run twice.

-- record_usage(row): inserts one api_usage row (idempotent on request_id, so a retried
-- recording never counts twice), then folds it into the day/week/month rollups and the
-- subscription's counters. Returns false when the row was already recorded.
create or replace function public.record_usage(p jsonb) returns boolean
  language plpgsql
  set search_path = ''
  as $$
declare
  r public.api_usage;
  period text;
  bucket date;
  succeeded boolean;
begin
  insert into public.api_usage (
    user_id, service_type, provider, model, endpoint, request_id, campaign_id,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, images_generated, video_seconds,
    input_cost, output_cost, generation_cost, total_cost, price_snapshot, cost_status,
    latency_ms, time_to_first_token_ms, status, error_code, ip_address, user_agent,
    request_payload, response_payload, metadata, created_at
  )
  select x.user_id, x.service_type, x.provider, x.model, x.endpoint, x.request_id, x.campaign_id,
         coalesce(x.input_tokens, 0), coalesce(x.output_tokens, 0), coalesce(x.cached_tokens, 0),
         coalesce(x.reasoning_tokens, 0), coalesce(x.images_generated, 0), coalesce(x.video_seconds, 0),
         x.input_cost, x.output_cost, x.generation_cost, x.total_cost, x.price_snapshot,
         coalesce(x.cost_status, 'priced'), x.latency_ms, x.time_to_first_token_ms, x.status, x.error_code,
         x.ip_address, x.user_agent, x.request_payload, x.response_payload, coalesce(x.metadata, '{}'::jsonb),
         coalesce(x.created_at, now())
    from jsonb_populate_record(null::public.api_usage, p) x
  on conflict (request_id) do nothing
  returning * into r;
  if r.id is null then
    return false;
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

  -- The period's counters: a successful call uses one generation (images: one per image),
  -- and every priced cost counts toward the period's spend.
  update public.user_subscriptions s set
    content_generations_used = s.content_generations_used + case when succeeded and r.service_type = 'content' then 1 else 0 end,
    chat_messages_used = s.chat_messages_used + case when succeeded and r.service_type = 'chat' then 1 else 0 end,
    image_generations_used = s.image_generations_used + case when succeeded and r.service_type = 'image' then r.images_generated else 0 end,
    video_generations_used = s.video_generations_used + case when succeeded and r.service_type = 'video' then 1 else 0 end,
    period_cost = s.period_cost + coalesce(r.total_cost, 0)
  where s.user_id = r.user_id
    and r.created_at >= s.billing_period_start and r.created_at < s.billing_period_end;
  return true;
end
$$;
comment on function public.record_usage(jsonb) is
  'Writes one gateway call and its rollups and counters atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;

-- video_jobs: asynchronous generations in flight. The usage row is written once, when the job
-- ends (succeeded: charged by output seconds; failed: charged nothing).
create table if not exists public.video_jobs (
  id text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  api_key_id uuid references public.api_keys (id),
  provider text not null,
  pricing_provider text not null,
  model text not null,
  upstream_job_id text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
  progress numeric(5, 4),
  seconds numeric(12, 3) not null check (seconds > 0),
  resolution text,
  output_url text,
  failure text,
  request_id text not null unique,
  campaign_id uuid references public.campaigns (id),
  ip_address inet,
  user_agent text,
  request_payload jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  check ((status in ('succeeded', 'failed')) = (finished_at is not null))
);
comment on table public.video_jobs is
  'Video generations in flight and their outcome. Users read their own; only the gateway writes.';
create index if not exists video_jobs_user_created_idx on public.video_jobs (user_id, created_at desc);
drop trigger if exists video_jobs_updated_at on public.video_jobs;
create trigger video_jobs_updated_at
  before update on public.video_jobs
  for each row execute function public.set_updated_at();

revoke all on public.video_jobs from anon, authenticated;
grant select on public.video_jobs to authenticated;
grant all on public.video_jobs to service_role;
alter table public.video_jobs enable row level security;
drop policy if exists "Users read own video jobs" on public.video_jobs;
create policy "Users read own video jobs" on public.video_jobs
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own video jobs" on public.video_jobs is 'A user sees only their own video jobs.';
