-- Settlement: record_usage writes a call's row and rollups, books its use and cost against the
-- subscription, releases its admission hold and raises threshold alerts, all in one
-- transaction. Locks are taken in gateway_admit's order (subscription, then holds), so the two
-- never deadlock. Safe to run twice.

-- Records an alert once per limit, threshold and period (demo users get none), and queues its
-- webhook delivery when the user has a webhook.
create or replace function public.raise_usage_alerts(s public.user_subscriptions, p_service text) returns void
  language plpgsql
  set search_path = ''
  as $$
declare
  t integer;
  used numeric;
  quota numeric;
  alert_id uuid;
  label text;
begin
  if s.plan_type = 'demo' then
    return;
  end if;
  used := case p_service when 'content' then s.content_generations_used when 'image' then s.image_generations_used
                         when 'video' then s.video_generations_used else s.chat_messages_used end;
  quota := case p_service when 'content' then s.content_generations_limit when 'image' then s.image_generations_limit
                          when 'video' then s.video_generations_limit else s.chat_messages_limit end;
  label := case p_service when 'content' then 'content generations' when 'image' then 'images'
                          when 'video' then 'video generations' else 'chat messages' end;
  foreach t in array array[50, 80, 100] loop
    if quota > 0 and used * 100 >= quota * t then
      insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
      values (s.user_id, 'quota', p_service, t, s.billing_period_start, used, quota,
              format('You have used %s%% of your %s this period (%s of %s).', t, label, used, quota))
      on conflict do nothing
      returning id into alert_id;
      if alert_id is not null and s.alert_webhook_url is not null then
        insert into public.usage_alert_deliveries (alert_id, url) values (alert_id, s.alert_webhook_url) on conflict do nothing;
      end if;
      alert_id := null;
    end if;
    if s.monthly_cost_budget is not null and s.monthly_cost_budget > 0 and s.period_cost * 100 >= s.monthly_cost_budget * t then
      insert into public.usage_alerts (user_id, alert_type, service_type, threshold_percent, period_start, current_value, limit_value, message)
      values (s.user_id, 'budget', null, t, s.billing_period_start, s.period_cost, s.monthly_cost_budget,
              format('You have spent %s%% of your monthly budget ($%s of $%s).', t, trim_scale(s.period_cost), trim_scale(s.monthly_cost_budget)))
      on conflict do nothing
      returning id into alert_id;
      if alert_id is not null and s.alert_webhook_url is not null then
        insert into public.usage_alert_deliveries (alert_id, url) values (alert_id, s.alert_webhook_url) on conflict do nothing;
      end if;
      alert_id := null;
    end if;
  end loop;
end
$$;
revoke all on function public.raise_usage_alerts(public.user_subscriptions, text) from public, anon, authenticated;

-- record_usage(row): inserts one api_usage row (idempotent on request_id, so a retried
-- recording never counts twice), folds it into the day/week/month rollups, and settles its
-- admission. Returns false when the row was already recorded.
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
  'Writes one gateway call, its rollups, counters and alerts, and releases its hold, atomically. Server only.';
revoke all on function public.record_usage(jsonb) from public, anon, authenticated;
grant execute on function public.record_usage(jsonb) to service_role;
