-- Every new user starts on the Demo plan: unlimited in practice (999,999 of each service) and
-- tracked. SECURITY DEFINER because the inserting role (Supabase's auth admin, or the
-- built-in backend) need not have rights on public.user_subscriptions.
create or replace function public.create_demo_subscription() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  insert into public.user_subscriptions (
    user_id, plan_type, plan_name,
    content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
    enforcement_mode, billing_period_start, billing_period_end
  ) values (
    new.id, 'demo', 'Demo Plan - Unlimited Access',
    999999, 999999, 999999, 999999,
    'off', now(), now() + interval '1 year'
  )
  on conflict (user_id) do nothing;
  return new;
end
$$;
revoke all on function public.create_demo_subscription() from public, anon, authenticated;

drop trigger if exists on_auth_user_created_demo_subscription on auth.users;
create trigger on_auth_user_created_demo_subscription
  after insert on auth.users
  for each row execute function public.create_demo_subscription();

-- Users who signed up before this migration get their Demo subscription now.
insert into public.user_subscriptions (
  user_id, plan_type, plan_name,
  content_generations_limit, image_generations_limit, video_generations_limit, chat_messages_limit,
  enforcement_mode, billing_period_start, billing_period_end
)
select u.id, 'demo', 'Demo Plan - Unlimited Access', 999999, 999999, 999999, 999999,
       'off', now(), now() + interval '1 year'
from auth.users u
where not exists (select 1 from public.user_subscriptions s where s.user_id = u.id)
on conflict (user_id) do nothing;
