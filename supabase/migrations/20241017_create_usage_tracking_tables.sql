-- Usage tracking: the tables every gateway call, dashboard and plan change stands on.
-- Safe to run twice: every object is created with IF NOT EXISTS / OR REPLACE, and every
-- policy and trigger is dropped before it is created again.
--
-- Privilege model (the same on Supabase and on plain PostgreSQL, because the grants are
-- explicit instead of relying on Supabase's default privileges):
--   anon           nothing at all;
--   authenticated  reads its own rows through RLS; writes only where a policy says so;
--   service_role   everything RLS-wise (BYPASSRLS), except rewriting the usage log;
--   table owner    the app's privileged writes (gateway settle, webhooks), also barred from
--                  rewriting the usage log by a trigger.

-- Keeps updated_at honest without trusting callers to set it.
create or replace function public.set_updated_at() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- ---------------------------------------------------------------------------------------
-- campaigns: optional grouping of calls (a launch, a client, an experiment).
create table if not exists public.campaigns (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  description text,
  status text not null default 'active' check (status in ('active', 'paused', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, name)
);
comment on table public.campaigns is
  'Owner-managed grouping of gateway calls. A user reads and writes only their own campaigns.';

-- ---------------------------------------------------------------------------------------
-- api_usage: one immutable row per gateway call. Money is numeric, never float.
create table if not exists public.api_usage (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id),
  service_type text not null check (service_type in ('content', 'chat', 'image', 'video')),
  provider text not null,
  model text not null,
  endpoint text not null,
  request_id text not null unique,
  campaign_id uuid references public.campaigns (id),
  input_tokens integer not null default 0 check (input_tokens >= 0),
  output_tokens integer not null default 0 check (output_tokens >= 0),
  cached_tokens integer not null default 0 check (cached_tokens >= 0),
  reasoning_tokens integer not null default 0 check (reasoning_tokens >= 0),
  images_generated integer not null default 0 check (images_generated >= 0),
  video_seconds numeric(12, 3) not null default 0 check (video_seconds >= 0),
  -- Costs are null when the call could not be priced (cost_status 'unpriced'): never a fake $0.
  input_cost numeric(24, 12) check (input_cost >= 0),
  output_cost numeric(24, 12) check (output_cost >= 0),
  generation_cost numeric(24, 12) check (generation_cost >= 0),
  total_cost numeric(24, 12) check (total_cost >= 0),
  price_snapshot jsonb,
  cost_status text not null default 'priced' check (cost_status in ('priced', 'estimated', 'unpriced')),
  latency_ms integer check (latency_ms >= 0),
  time_to_first_token_ms integer check (time_to_first_token_ms >= 0),
  status text not null check (status in ('success', 'error', 'rate_limited', 'limit_exceeded', 'client_aborted')),
  error_code text,
  ip_address inet,
  user_agent text,
  request_payload jsonb,
  response_payload jsonb,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  check ((cost_status = 'unpriced') = (total_cost is null))
);
comment on table public.api_usage is
  'Append-only audit log, one row per gateway call. Users read their own rows; only the gateway writes; nobody updates or deletes.';
comment on column public.api_usage.request_payload is
  'Sanitized: no credentials, no data URLs, truncated. Never the raw request.';

-- Dashboard and history queries: per user by time, per user and service by time, per campaign.
create index if not exists api_usage_user_created_idx on public.api_usage (user_id, created_at desc);
create index if not exists api_usage_user_service_created_idx
  on public.api_usage (user_id, service_type, created_at desc);
create index if not exists api_usage_user_campaign_created_idx
  on public.api_usage (user_id, campaign_id, created_at desc) where campaign_id is not null;

-- The log is immutable for everyone, the table owner and superusers included: a BEFORE
-- trigger fires for every role, unlike a revoked privilege.
create or replace function public.api_usage_reject_change() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  raise exception 'api_usage is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
drop trigger if exists api_usage_no_update_delete on public.api_usage;
create trigger api_usage_no_update_delete
  before update or delete on public.api_usage
  for each row execute function public.api_usage_reject_change();
drop trigger if exists api_usage_no_truncate on public.api_usage;
create trigger api_usage_no_truncate
  before truncate on public.api_usage
  for each statement execute function public.api_usage_reject_change();

-- ---------------------------------------------------------------------------------------
-- user_subscriptions: the plan a user is on, its per-service limits for the current period.
create table if not exists public.user_subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null unique references auth.users (id) on delete cascade,
  plan_type text not null default 'demo' check (length(plan_type) between 1 and 50),
  plan_name text not null,
  status text not null default 'active'
    check (status in ('active', 'trialing', 'past_due', 'canceled', 'incomplete', 'unpaid', 'paused')),
  content_generations_limit integer not null default 999999 check (content_generations_limit >= 0),
  image_generations_limit integer not null default 999999 check (image_generations_limit >= 0),
  video_generations_limit integer not null default 999999 check (video_generations_limit >= 0),
  chat_messages_limit integer not null default 999999 check (chat_messages_limit >= 0),
  content_generations_used integer not null default 0 check (content_generations_used >= 0),
  image_generations_used integer not null default 0 check (image_generations_used >= 0),
  video_generations_used integer not null default 0 check (video_generations_used >= 0),
  chat_messages_used integer not null default 0 check (chat_messages_used >= 0),
  monthly_cost_budget numeric(24, 12) check (monthly_cost_budget >= 0),
  period_cost numeric(24, 12) not null default 0 check (period_cost >= 0),
  enforcement_mode text not null default 'off' check (enforcement_mode in ('off', 'soft', 'hard')),
  billing_period_start timestamptz not null default now(),
  billing_period_end timestamptz not null default (now() + interval '1 year'),
  stripe_customer_id text,
  stripe_subscription_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (billing_period_end > billing_period_start)
);
comment on table public.user_subscriptions is
  'One row per user: plan, limits, counters for the current period. Users read their own; only the server (signup trigger, gateway, Stripe webhooks) writes.';
create unique index if not exists user_subscriptions_stripe_subscription_idx
  on public.user_subscriptions (stripe_subscription_id) where stripe_subscription_id is not null;
create index if not exists user_subscriptions_stripe_customer_idx
  on public.user_subscriptions (stripe_customer_id) where stripe_customer_id is not null;
drop trigger if exists user_subscriptions_updated_at on public.user_subscriptions;
create trigger user_subscriptions_updated_at
  before update on public.user_subscriptions
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------
-- usage_alerts: a threshold (50/80/100 %) of a quota or budget reached, once per period each.
create table if not exists public.usage_alerts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  alert_type text not null check (alert_type in ('quota', 'budget')),
  service_type text check (service_type in ('content', 'chat', 'image', 'video')),
  threshold_percent integer not null check (threshold_percent in (50, 80, 100)),
  period_start timestamptz not null,
  current_value numeric(24, 12) not null,
  limit_value numeric(24, 12) not null,
  message text not null,
  acknowledged_at timestamptz,
  created_at timestamptz not null default now(),
  check ((alert_type = 'quota') = (service_type is not null))
);
comment on table public.usage_alerts is
  'Thresholds reached, raised by the server once per limit, threshold and period. Users read their own and may only acknowledge them.';
create unique index if not exists usage_alerts_once_per_period_idx
  on public.usage_alerts (user_id, alert_type, coalesce(service_type, ''), threshold_percent, period_start);
create index if not exists usage_alerts_user_created_idx on public.usage_alerts (user_id, created_at desc);

-- ---------------------------------------------------------------------------------------
-- api_rate_limits: per user and service request-rate state, shared by every app instance.
create table if not exists public.api_rate_limits (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  service_type text not null check (service_type in ('content', 'chat', 'image', 'video')),
  requests_per_minute integer not null check (requests_per_minute > 0),
  -- Sliding-window log: when each request admitted in the last minute arrived. Exact (at most
  -- requests_per_minute in any 60 s), unlike a fixed window that lets twice that through at
  -- its boundary.
  window_hits timestamptz[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, service_type)
);
comment on table public.api_rate_limits is
  'Request-rate state per user and service (sliding-window log). Users read their own; only the gateway writes.';
drop trigger if exists api_rate_limits_updated_at on public.api_rate_limits;
create trigger api_rate_limits_updated_at
  before update on public.api_rate_limits
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------
-- usage_aggregations: day/week/month rollups, written in the same transaction as the usage
-- row so that charts never scan api_usage.
create table if not exists public.usage_aggregations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  period_type text not null check (period_type in ('day', 'week', 'month')),
  period_start date not null,
  service_type text not null check (service_type in ('content', 'chat', 'image', 'video')),
  provider text not null,
  model text not null,
  request_count integer not null default 0,
  success_count integer not null default 0,
  error_count integer not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  images_generated integer not null default 0,
  video_seconds numeric(14, 3) not null default 0,
  total_cost numeric(24, 12) not null default 0,
  -- Calls in this bucket that could not be priced: their cost is missing from total_cost.
  unpriced_count integer not null default 0,
  total_latency_ms bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, period_type, period_start, service_type, provider, model)
);
comment on table public.usage_aggregations is
  'Rollups per user, period, service, provider and model. Users read their own; only the gateway writes.';
drop trigger if exists usage_aggregations_updated_at on public.usage_aggregations;
create trigger usage_aggregations_updated_at
  before update on public.usage_aggregations
  for each row execute function public.set_updated_at();
drop trigger if exists campaigns_updated_at on public.campaigns;
create trigger campaigns_updated_at
  before update on public.campaigns
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------
-- Privileges, then row level security on every table.
revoke all on public.campaigns, public.api_usage, public.user_subscriptions, public.usage_alerts,
  public.api_rate_limits, public.usage_aggregations from anon, authenticated;
grant select on public.campaigns, public.api_usage, public.user_subscriptions, public.usage_alerts,
  public.api_rate_limits, public.usage_aggregations to authenticated;
grant insert, update, delete on public.campaigns to authenticated;
grant update (acknowledged_at) on public.usage_alerts to authenticated;
grant all on public.campaigns, public.user_subscriptions, public.usage_alerts,
  public.api_rate_limits, public.usage_aggregations to service_role;
grant select, insert on public.api_usage to service_role;

alter table public.campaigns enable row level security;
alter table public.api_usage enable row level security;
alter table public.user_subscriptions enable row level security;
alter table public.usage_alerts enable row level security;
alter table public.api_rate_limits enable row level security;
alter table public.usage_aggregations enable row level security;

drop policy if exists "Users read own campaigns" on public.campaigns;
create policy "Users read own campaigns" on public.campaigns
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own campaigns" on public.campaigns is 'A user sees only the campaigns they own.';
drop policy if exists "Users create own campaigns" on public.campaigns;
create policy "Users create own campaigns" on public.campaigns
  for insert to authenticated with check (user_id = (select auth.uid()));
comment on policy "Users create own campaigns" on public.campaigns is 'A user may create campaigns only for themselves.';
drop policy if exists "Users update own campaigns" on public.campaigns;
create policy "Users update own campaigns" on public.campaigns
  for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
comment on policy "Users update own campaigns" on public.campaigns is 'A user may edit their own campaigns and may not hand them to someone else.';
drop policy if exists "Users delete own campaigns" on public.campaigns;
create policy "Users delete own campaigns" on public.campaigns
  for delete to authenticated using (user_id = (select auth.uid()));
comment on policy "Users delete own campaigns" on public.campaigns is 'A user may delete their own campaigns (refused by the FK once calls reference them).';

drop policy if exists "Users read own usage" on public.api_usage;
create policy "Users read own usage" on public.api_usage
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own usage" on public.api_usage is 'A user sees only their own calls. There is no insert policy: only the gateway writes usage, so nobody can forge rows.';

drop policy if exists "Users read own subscription" on public.user_subscriptions;
create policy "Users read own subscription" on public.user_subscriptions
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own subscription" on public.user_subscriptions is 'A user sees only their own plan; plan changes come from the server and Stripe webhooks.';

drop policy if exists "Users read own alerts" on public.usage_alerts;
create policy "Users read own alerts" on public.usage_alerts
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own alerts" on public.usage_alerts is 'A user sees only their own alerts.';
drop policy if exists "Users acknowledge own alerts" on public.usage_alerts;
create policy "Users acknowledge own alerts" on public.usage_alerts
  for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
comment on policy "Users acknowledge own alerts" on public.usage_alerts is 'A user may acknowledge their own alerts (the column grant allows nothing else).';

drop policy if exists "Users read own rate limits" on public.api_rate_limits;
create policy "Users read own rate limits" on public.api_rate_limits
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own rate limits" on public.api_rate_limits is 'A user sees only their own rate-limit state.';

drop policy if exists "Users read own aggregations" on public.usage_aggregations;
create policy "Users read own aggregations" on public.usage_aggregations
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own aggregations" on public.usage_aggregations is 'A user sees only their own rollups.';
