-- Plans as data (issue 17, item 4). public.plans becomes the source of truth for the plan
-- catalog (lib/billing/plans.ts reads it), written by operators through the console, the CLI
-- and the operator API (always in an audited transaction: lib/admin/plans.ts).
--
-- 1. A plan carries every term a subscription has (limits per service, the quota map of the
--    other services, budget, enforcement, requests and tokens a minute, period) and what it is
--    sold for: price (per period of period_months, in currency) and its Stripe price id (the
--    webhook maps a subscription's price to a plan through it).
-- 2. A change applies at each subscriber's next period. A subscription remembers the terms its
--    plan had when they were last applied (plan_terms). Whenever its period moves (the period
--    roll, a Stripe renewal) and its plan's terms are no longer those, the new terms are applied
--    term by term, except where the subscription's value differs from what the plan gave: that
--    is an operator's per-user override, and it is kept. apply_plan_now() does the same to every
--    subscriber of a plan at once (the operator's "now").
--
-- No existing function is redefined: the trigger below sees every period move, whoever makes it.

-- ---------------------------------------------------------------------------------------
-- The catalog's new columns.
alter table public.plans
  add column if not exists description text not null default '' check (length(description) <= 500),
  add column if not exists price numeric(24, 12) not null default 0 check (price >= 0),
  add column if not exists currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  add column if not exists stripe_price_id text
    constraint plans_stripe_price_id_key unique
    check (stripe_price_id ~ '^[A-Za-z0-9_-]{1,255}$'),
  add column if not exists created_at timestamptz not null default now(),
  add column if not exists updated_at timestamptz not null default now();
alter table public.plans drop constraint if exists plans_name_check;
alter table public.plans add constraint plans_name_check check (length(name) between 1 and 100);
comment on table public.plans is
  'The plan catalog (the source of truth; lib/billing/plans.ts reads it). Any signed-in user may read it; operators write it (audited).';
comment on column public.plans.price is 'What a period of period_months costs, in currency (decimal); 0 for a free plan.';
comment on column public.plans.stripe_price_id is
  'The Stripe price a subscription to this plan is sold at (webhooks map it back to the plan); null: not sold through Stripe, or STRIPE_PRICE_PRO/BUSINESS for those two.';

-- The seed's plans stay the first rows, in their order; their prices are the ones the pricing
-- page has always shown (lib/billing/plans.ts until now).
update public.plans p set
  description = v.description, price = v.price,
  created_at = timestamptz '2024-11-08 00:00:00+00' + make_interval(secs => v.ord)
  from (values
    ('demo', 0, 0, 'Every feature, unlimited, while you evaluate Tollgate. Usage is tracked for analytics.'),
    ('free', 1, 0, 'For trying things out: small monthly allowances, hard limits.'),
    ('pro', 2, 29, 'For individuals and small teams shipping AI features.'),
    ('business', 3, 199, 'High limits, soft enforcement: alerts instead of refusals.')
  ) as v(id, ord, price, description)
 where p.id = v.id and p.description = '';
create index if not exists plans_created_idx on public.plans (created_at, id);

drop trigger if exists plans_updated_at on public.plans;
create trigger plans_updated_at before update on public.plans for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------
-- The terms a plan gives its subscribers, as one value (what subscriptions remember).
create or replace function public.plan_terms(p public.plans) returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
  select jsonb_build_object(
    'name', p.name,
    'content_generations_limit', p.content_generations_limit, 'image_generations_limit', p.image_generations_limit,
    'video_generations_limit', p.video_generations_limit, 'chat_messages_limit', p.chat_messages_limit,
    'service_limits', p.service_limits, 'monthly_cost_budget', p.monthly_cost_budget, 'enforcement_mode', p.enforcement_mode,
    'requests_per_minute', p.requests_per_minute, 'tokens_per_minute', p.tokens_per_minute, 'period_months', p.period_months)
$$;
revoke all on function public.plan_terms(public.plans) from public, anon, authenticated;

alter table public.user_subscriptions add column if not exists plan_terms jsonb;
comment on column public.user_subscriptions.plan_terms is
  'The terms of plan_type when they were last applied here (public.plan_terms()). A term that differs from it is a per-user override; null: none known.';
-- What each subscription has today is its plan's current terms (overrides differ from them).
update public.user_subscriptions s set plan_terms = public.plan_terms(p)
  from public.plans p where p.id = s.plan_type and s.plan_terms is null;

-- ---------------------------------------------------------------------------------------
-- Applies plan p's terms to subscription s (returned, for the caller to store), term by term:
-- a term still equal to what the plan gave last time (s.plan_terms) takes the plan's new
-- value; one that differs is an operator's override and stays. The user's rate rows are
-- updated the same way (the caller holds the subscription's row lock, which every writer of
-- this user's rate rows takes first). A subscription that Stripe does not bill takes a new
-- period length from its current period start (`reperiod`: at a roll, not in the middle of one
-- when false); Stripe sets its subscriptions' periods itself.
create or replace function public.apply_plan_terms(s public.user_subscriptions, p public.plans, reperiod boolean)
  returns public.user_subscriptions
  language plpgsql
  set search_path = ''
  as $$
declare
  old jsonb := s.plan_terms;
  new_terms jsonb := public.plan_terms(p);
begin
  if old is null or old = new_terms then
    s.plan_terms := new_terms;
    return s;
  end if;
  if s.plan_name is not distinct from old ->> 'name' then s.plan_name := p.name; end if;
  if s.content_generations_limit is not distinct from (old ->> 'content_generations_limit')::integer then
    s.content_generations_limit := p.content_generations_limit;
  end if;
  if s.image_generations_limit is not distinct from (old ->> 'image_generations_limit')::integer then
    s.image_generations_limit := p.image_generations_limit;
  end if;
  if s.video_generations_limit is not distinct from (old ->> 'video_generations_limit')::integer then
    s.video_generations_limit := p.video_generations_limit;
  end if;
  if s.chat_messages_limit is not distinct from (old ->> 'chat_messages_limit')::integer then
    s.chat_messages_limit := p.chat_messages_limit;
  end if;
  if s.monthly_cost_budget is not distinct from (old ->> 'monthly_cost_budget')::numeric then
    s.monthly_cost_budget := p.monthly_cost_budget;
  end if;
  if s.enforcement_mode is not distinct from old ->> 'enforcement_mode' then s.enforcement_mode := p.enforcement_mode; end if;
  -- The quota map service by service (a missing service is "no quota", compared like a value).
  select coalesce(jsonb_object_agg(k, v) filter (where v is not null and v <> 'null'::jsonb), '{}'::jsonb)
    into s.service_limits
    from (select k,
                 case when (s.service_limits -> k) is not distinct from (old -> 'service_limits' -> k)
                      then p.service_limits -> k else s.service_limits -> k end as v
            from (select jsonb_object_keys(s.service_limits) union select jsonb_object_keys(old -> 'service_limits')
                  union select jsonb_object_keys(p.service_limits)) as keys(k)) as merged;
  update public.api_rate_limits r set
    requests_per_minute = case when r.requests_per_minute = (old ->> 'requests_per_minute')::integer
                               then p.requests_per_minute else r.requests_per_minute end,
    tokens_per_minute = case when r.tokens_per_minute is not distinct from (old ->> 'tokens_per_minute')::integer
                             then p.tokens_per_minute else r.tokens_per_minute end
   where r.user_id = s.user_id
     and (r.requests_per_minute = (old ->> 'requests_per_minute')::integer
          or r.tokens_per_minute is not distinct from (old ->> 'tokens_per_minute')::integer);
  if reperiod and s.stripe_subscription_id is null
     and (old ->> 'period_months')::integer is distinct from p.period_months then
    s.billing_period_end := s.billing_period_start + make_interval(months => p.period_months);
    while s.billing_period_end <= now() loop
      s.billing_period_start := s.billing_period_end;
      s.billing_period_end := s.billing_period_start + make_interval(months => p.period_months);
    end loop;
  end if;
  s.plan_terms := new_terms;
  return s;
end
$$;
revoke all on function public.apply_plan_terms(public.user_subscriptions, public.plans, boolean) from public, anon, authenticated;

-- Every write that starts a subscription, changes its plan or moves its period passes here.
-- A new subscription or a new plan: the writer copied the plan's terms, remembered as given
-- (unless the writer set plan_terms itself). The same plan in a new period: its terms now.
create or replace function public.subscription_plan_terms() returns trigger
  language plpgsql
  set search_path = ''
  as $$
declare
  p public.plans;
begin
  select * into p from public.plans where id = new.plan_type;
  if not found then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.plan_terms := coalesce(new.plan_terms, public.plan_terms(p));
  elsif new.plan_type is distinct from old.plan_type then
    if new.plan_terms is not distinct from old.plan_terms then
      new.plan_terms := public.plan_terms(p);
    end if;
  elsif new.billing_period_start is distinct from old.billing_period_start
        and new.plan_terms is not distinct from old.plan_terms then
    new := public.apply_plan_terms(new, p, true);
  end if;
  return new;
end
$$;
revoke all on function public.subscription_plan_terms() from public, anon, authenticated;
drop trigger if exists user_subscriptions_plan_terms on public.user_subscriptions;
create trigger user_subscriptions_plan_terms
  before insert or update of plan_type, billing_period_start on public.user_subscriptions
  for each row execute function public.subscription_plan_terms();

-- ---------------------------------------------------------------------------------------
-- The operator's "now": every subscriber of the plan takes its terms at once (overrides kept,
-- the current period's use kept). Locks subscriptions one by one in user order, each before its
-- rate rows, as admission does. Returns how many subscriptions changed.
create or replace function public.apply_plan_now(p_plan text) returns integer
  language plpgsql
  set search_path = ''
  as $$
declare
  p public.plans;
  s public.user_subscriptions;
  applied public.user_subscriptions;
  changed integer := 0;
begin
  select * into p from public.plans where id = p_plan;
  if not found then
    raise exception 'no plan %', p_plan using errcode = 'no_data_found';
  end if;
  for s in select * from public.user_subscriptions where plan_type = p_plan order by user_id for update loop
    applied := public.apply_plan_terms(s, p, false);
    if applied.plan_terms is distinct from s.plan_terms then
      update public.user_subscriptions set
        plan_name = applied.plan_name,
        content_generations_limit = applied.content_generations_limit, image_generations_limit = applied.image_generations_limit,
        video_generations_limit = applied.video_generations_limit, chat_messages_limit = applied.chat_messages_limit,
        service_limits = applied.service_limits, monthly_cost_budget = applied.monthly_cost_budget,
        enforcement_mode = applied.enforcement_mode, plan_terms = applied.plan_terms,
        -- A new period length counts from the current period's start (Stripe's periods stay Stripe's).
        billing_period_end = case when s.stripe_subscription_id is null
                                   and (s.plan_terms ->> 'period_months')::integer is distinct from p.period_months
                                  then s.billing_period_start + make_interval(months => p.period_months)
                                  else s.billing_period_end end
       where id = s.id;
      changed := changed + 1;
    end if;
  end loop;
  return changed;
end
$$;
revoke all on function public.apply_plan_now(text) from public, anon, authenticated;
