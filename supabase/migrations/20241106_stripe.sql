-- Stripe: each webhook event is recorded once (replays are acknowledged, never applied twice),
-- and each subscription remembers the newest Stripe event applied to it, so events that arrive
-- out of order cannot undo a newer state. Safe to run twice.

create table if not exists public.stripe_events (
  id text primary key,
  type text not null,
  created_at_stripe timestamptz not null,
  received_at timestamptz not null default now(),
  outcome text not null
);
comment on table public.stripe_events is 'Stripe webhook events already handled, by event id. Server only.';
revoke all on public.stripe_events from anon, authenticated;
grant all on public.stripe_events to service_role;
alter table public.stripe_events enable row level security;

alter table public.user_subscriptions add column if not exists stripe_price_id text;
alter table public.user_subscriptions add column if not exists cancel_at_period_end boolean not null default false;
-- The newest event applied: its Stripe timestamp (seconds) and its rank among events of the
-- same second (created < updated < deleted), compared together.
alter table public.user_subscriptions add column if not exists stripe_event_created bigint;
alter table public.user_subscriptions add column if not exists stripe_event_rank integer;

-- Billing alerts (a failed payment) join the quota and budget alerts.
alter table public.usage_alerts drop constraint if exists usage_alerts_alert_type_check;
alter table public.usage_alerts add constraint usage_alerts_alert_type_check check (alert_type in ('quota', 'budget', 'billing'));
