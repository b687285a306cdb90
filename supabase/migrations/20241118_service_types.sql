-- Issue 16, item 4: services beyond the seed's four. Embeddings, audio (transcription,
-- translation, speech) and moderation calls are booked under service types of their own in the
-- ledger, holds, rate limits, rollups and alerts. The seed's four keep their per-service quota
-- columns; the new ones are governed by the cost budget and the rate limit (service_counter()
-- answers nulls for them) until a plan gives them a quota.
--
-- Each table's column check is replaced by one listing all seven (dropped and re-added in one
-- statement per table, so no moment admits an unknown type). The checks stay checks, not a
-- foreign key to a table of services: the list changes with the code that serves a service,
-- and a check costs nothing per insert into the ledger.

alter table public.api_usage
  drop constraint if exists api_usage_service_type_check,
  add constraint api_usage_service_type_check
    check (service_type in ('content', 'chat', 'image', 'video', 'embedding', 'audio', 'moderation'));

alter table public.usage_aggregations
  drop constraint if exists usage_aggregations_service_type_check,
  add constraint usage_aggregations_service_type_check
    check (service_type in ('content', 'chat', 'image', 'video', 'embedding', 'audio', 'moderation'));

alter table public.usage_holds
  drop constraint if exists usage_holds_service_type_check,
  add constraint usage_holds_service_type_check
    check (service_type in ('content', 'chat', 'image', 'video', 'embedding', 'audio', 'moderation'));

alter table public.api_rate_limits
  drop constraint if exists api_rate_limits_service_type_check,
  add constraint api_rate_limits_service_type_check
    check (service_type in ('content', 'chat', 'image', 'video', 'embedding', 'audio', 'moderation'));

alter table public.usage_alerts
  drop constraint if exists usage_alerts_service_type_check,
  add constraint usage_alerts_service_type_check
    check (service_type in ('content', 'chat', 'image', 'video', 'embedding', 'audio', 'moderation'));
