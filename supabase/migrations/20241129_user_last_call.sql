-- The console's users table (/admin/users) shows and sorts by each user's last call. Reading it
-- from api_usage for every user on every page (10,000 index probes) costs ~200 ms; kept on the
-- subscription row it is a column like period_cost.
--
-- Kept by a BEFORE UPDATE trigger on user_subscriptions itself, not by a trigger on api_usage:
-- settlement (record_usage) books every call by updating the user's subscription row, which it
-- has locked first (select ... for update), so this trigger runs under a lock already held and
-- takes no other lock — it cannot change the lock order admission and settlement share. It
-- reads the newest api_usage row of the user (one probe of api_usage_user_created_idx; the row
-- settlement just inserted is visible in its own transaction) and never moves backwards (a
-- purge of old usage rows leaves it). Any other update of the row (plan change, Stripe) just
-- re-reads the same value.

alter table public.user_subscriptions add column if not exists last_call_at timestamptz;
comment on column public.user_subscriptions.last_call_at is
  'When the user''s newest call was made (api_usage.created_at), kept by user_subscriptions_last_call.';

create or replace function public.user_subscriptions_last_call() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.last_call_at := greatest(old.last_call_at,
    (select a.created_at from public.api_usage a where a.user_id = new.user_id order by a.created_at desc limit 1));
  return new;
end
$$;
comment on function public.user_subscriptions_last_call() is
  'Sets user_subscriptions.last_call_at from the user''s newest api_usage row whenever the row is updated (settlement updates it for every call).';
revoke all on function public.user_subscriptions_last_call() from public, anon, authenticated;

drop trigger if exists user_subscriptions_last_call on public.user_subscriptions;
create trigger user_subscriptions_last_call
  before update on public.user_subscriptions
  for each row execute function public.user_subscriptions_last_call();

-- Existing users: their last call as of now.
update public.user_subscriptions s
   set last_call_at = (select a.created_at from public.api_usage a where a.user_id = s.user_id order by a.created_at desc limit 1)
 where exists (select 1 from public.api_usage a where a.user_id = s.user_id);
