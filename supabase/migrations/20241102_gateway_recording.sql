-- The table of asynchronous video jobs. (record_usage, which writes every call's row, its
-- rollups and counters in one transaction, is defined with admission in 20241103.) Safe to run twice.

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
