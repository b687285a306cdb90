-- Live usage (issue 14, item 8): Settings → Usage & Costs updates within a second of a call
-- settling, whichever device, key or app server made it.
--
-- A committed usage row (or an alert change) sends NOTIFY tollgate_usage with the user's id and
-- nothing else: the channel carries no usage data, so a listener learns only that a user's
-- numbers moved, and the browser then reads them through its own session and RLS. NOTIFY is
-- delivered at commit, so when an app server hears it the row, its rollups and its alerts are
-- all visible. Each app process holds one LISTEN connection and fans out to its open streams
-- (lib/usage/live.ts), so a call served by one instance reaches a tab connected to another.
--
-- Statement-level triggers with a transition table: a statement that writes many rows (a
-- batched settlement) sends one notification per user, and PostgreSQL folds identical
-- notifications of one transaction into one.

create or replace function public.notify_usage_changed() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  perform pg_notify('tollgate_usage', u.user_id::text) from (select distinct user_id from changed) u;
  return null;
end $$;
comment on function public.notify_usage_changed() is
  'Trigger: NOTIFY tollgate_usage with each changed row''s user id (no other data), at commit.';
revoke all on function public.notify_usage_changed() from public, anon, authenticated;

drop trigger if exists api_usage_notify on public.api_usage;
create trigger api_usage_notify after insert on public.api_usage
  referencing new table as changed for each statement execute function public.notify_usage_changed();

-- An alert acknowledged in one tab disappears from the user's other tabs too.
drop trigger if exists usage_alerts_notify on public.usage_alerts;
create trigger usage_alerts_notify after update on public.usage_alerts
  referencing new table as changed for each statement execute function public.notify_usage_changed();
