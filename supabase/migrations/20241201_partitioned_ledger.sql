-- A ledger that scales (issue 18, part 4): api_usage partitioned by UTC month.
--
-- Why months: every hot query of the ledger names a user and a recent time (the newest calls, a
-- history page, the period being settled), so it touches the newest partitions only, and the
-- per-partition indexes stay the size of one month whatever the history holds. Retention drops
-- a whole month (lib/usage/ledger-months.ts): a catalog change, never a DELETE of ledger rows.
--
-- Keys. A unique index of a partitioned table must contain the partition key, so the primary
-- key is (id, created_at) and request ids are unique per (request_id, created_at). That keeps
-- record_usage idempotent: a row's created_at is fixed when the call arrives (the row's
-- GatewayCall.receivedAt, lib/metering/row.ts) and travels with the row through retries, the
-- batch writer and the spool, so a second copy of a call always collides with the first.
-- record_usage (20241130) already says `on conflict do nothing` with no target: it skips a row
-- that collides with any unique index, which now is this one; it is not redefined here.
--
-- Nothing may rely on request_id alone being unique any more. Checked: the only foreign key to
-- api_usage was api_usage_details.request_id (dropped below, see there); video jobs, holds,
-- stored responses and exports keep their own request ids and look a row up by request id
-- (an index probe per month, off the request path), never by a foreign key.
--
-- No DEFAULT partition, on purpose: (1) with one, the planner may not read the months in order
-- (a default partition may hold any time), so "the user's newest row" (the last-call trigger of
-- 20241129, the Usage tab's recent calls) would probe every month instead of stopping at the
-- newest; (2) a month created later must first scan the default partition, and the rows it
-- finds there could not be moved out without deleting from the ledger. Instead a month is
-- created before anything is written to it: here (the months the existing rows need, this
-- month and the next), by every app process at start and hourly (three months ahead), and on
-- demand by the writer when a row (a spool replay of an old call, a clock far off) names a
-- month that has none (lib/metering/store.ts: the insert fails, the month is created, the row
-- is written again). A row is never lost meanwhile: until it is written it stays with its
-- writer, its retries and the spool.
--
-- Every partition is made by api_usage_partition_for() below, which gives it what the parent
-- has and PostgreSQL does not pass on by itself: row level security and the same policies, the
-- same grants, the TRUNCATE guard. (Indexes, the UPDATE/DELETE guard and CHECK constraints are
-- inherited.) lib/usage/ledger-months.test.ts and lib/db/rls.test.ts check every partition that exists.

-- ---------------------------------------------------------------------------------------
-- api_usage_partition_for(t): the partition holding time t, created if there is none, by the
-- caller: the app's login, which owns the schema (lib/db/app-role.ts); the API roles may not
-- call it. Months are attached rather than created with PARTITION OF: ATTACH takes SHARE UPDATE EXCLUSIVE on
-- api_usage, which lets reads and inserts go on, where PARTITION OF would take ACCESS EXCLUSIVE
-- and queue every call behind the longest running query of the ledger.
create or replace function public.api_usage_partition_for(p_at timestamptz) returns regclass
  language plpgsql
  set search_path = ''
  as $$
declare
  v_month timestamp := date_trunc('month', p_at at time zone 'UTC');
  v_name text := 'api_usage_' || to_char(v_month, 'YYYY_MM');
  v_rel regclass := to_regclass('public.' || v_name);
  v_parent regclass := 'public.api_usage'::regclass;
  v_pol record;
  v_acl record;
begin
  if v_rel is not null then
    return v_rel;
  end if;
  -- Two processes creating the same month: the second waits, then finds it. Found by a query
  -- (a new snapshot), not to_regclass: its catalog cache may not have seen the other's commit.
  perform pg_advisory_xact_lock(hashtext('public.api_usage partitions'));
  select c.oid::regclass into v_rel from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname = v_name;
  if v_rel is not null then
    return v_rel;
  end if;

  execute format('create table public.%I (like public.api_usage including defaults including constraints including storage including compression)', v_name);
  v_rel := ('public.' || v_name)::regclass;
  execute format('alter table public.api_usage attach partition %s for values from (%L) to (%L)',
                 v_rel, v_month at time zone 'UTC', (v_month + interval '1 month') at time zone 'UTC');
  execute format('comment on table %s is %L', v_rel,
                 'api_usage for one UTC month: same rules as api_usage (append-only, users read their own rows). Made by api_usage_partition_for; dropped whole by retention.');

  -- A partition read directly answers to its own policies, not its parent's: the same ones.
  execute format('alter table %s enable row level security', v_rel);
  for v_pol in select p.*, obj_description(o.oid, 'pg_policy') as description
                 from pg_policies p join pg_policy o on o.polrelid = v_parent and o.polname = p.policyname
                where p.schemaname = 'public' and p.tablename = 'api_usage' loop
    execute format('create policy %I on %s as %s for %s to %s%s%s', v_pol.policyname, v_rel, v_pol.permissive, v_pol.cmd,
                   (select string_agg(case when r = 'public' then 'public' else quote_ident(r) end, ', ') from unnest(v_pol.roles) r),
                   case when v_pol.qual is not null then format(' using (%s)', v_pol.qual) else '' end,
                   case when v_pol.with_check is not null then format(' with check (%s)', v_pol.with_check) else '' end);
    execute format('comment on policy %I on %s is %L', v_pol.policyname, v_rel, v_pol.description);
  end loop;

  -- The parent's grants exactly (default privileges may have granted more on creation).
  for v_acl in select distinct a.grantee from pg_class c, aclexplode(c.relacl) a where c.oid = v_rel and a.grantee <> c.relowner loop
    execute format('revoke all on %s from %s', v_rel, case when v_acl.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(v_acl.grantee)) end);
  end loop;
  for v_acl in select a.grantee, a.privilege_type from pg_class c, aclexplode(c.relacl) a where c.oid = v_parent and a.grantee <> c.relowner loop
    execute format('grant %s on %s to %s', v_acl.privilege_type, v_rel, case when v_acl.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(v_acl.grantee)) end);
  end loop;

  -- TRUNCATE of a partition does not fire its parent's statement trigger.
  execute format('create trigger api_usage_no_truncate before truncate on %s for each statement execute function public.api_usage_reject_change()', v_rel);
  return v_rel;
end
$$;
comment on function public.api_usage_partition_for(timestamptz) is
  'The api_usage partition of the UTC month holding a time, created (with RLS, policies, grants and guards) if missing. Idempotent. Server only.';
revoke all on function public.api_usage_partition_for(timestamptz) from public, anon, authenticated;

-- api_usage_prepare_months(n): this month and the n after it, created if missing (the app calls it at start and hourly).
create or replace function public.api_usage_prepare_months(p_ahead integer) returns void
  language plpgsql
  set search_path = ''
  as $$
begin
  for i in 0 .. greatest(p_ahead, 0) loop
    perform public.api_usage_partition_for(now() + make_interval(months => i));
  end loop;
end
$$;
comment on function public.api_usage_prepare_months(integer) is
  'Creates the api_usage partitions of this month and the next p_ahead months if missing. Idempotent. Server only.';
revoke all on function public.api_usage_prepare_months(integer) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- The table itself: a new partitioned api_usage with the old one's columns (same names, order,
-- types, defaults, CHECK constraints, comments), the rows moved over, then everything that
-- hung on the old table made again. Once only: a second run finds api_usage partitioned.
do $$
declare
  v_old regclass;
  v_fn record;
  v_acl record;
  v_month timestamp;
  v_last timestamp;
begin
  if (select relkind from pg_class where oid = 'public.api_usage'::regclass) = 'p' then
    return;
  end if;

  -- Functions whose signature names the row type (console_facts(api_usage[]), …) keep the old
  -- table alive: their definitions, comments and grants are kept here and made again after.
  create temporary table ledger_functions on commit drop as
  select p.oid, p.oid::regprocedure::text as signature, pg_get_functiondef(p.oid) as definition,
         obj_description(p.oid, 'pg_proc') as description, p.proacl as acl, p.proowner as owner
    from pg_proc p
   where exists (select 1 from pg_depend d
                  where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.refclassid = 'pg_type'::regclass
                    and d.refobjid in (select t.oid from pg_type t where t.typrelid = 'public.api_usage'::regclass
                                       union all
                                       select t.typarray from pg_type t where t.typrelid = 'public.api_usage'::regclass));

  alter table public.api_usage rename to api_usage_unpartitioned;
  v_old := 'public.api_usage_unpartitioned'::regclass;
  -- Its indexes (and so its key constraints) free their names for the new table's.
  for v_fn in select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = v_old loop
    execute format('alter index public.%I rename to %I', v_fn.relname, left(v_fn.relname, 40) || '_unpartitioned');
  end loop;

  create table public.api_usage (like public.api_usage_unpartitioned including defaults including constraints including comments including storage including compression)
    partition by range (created_at);
  execute format('comment on table public.api_usage is %L', obj_description(v_old, 'pg_class'));
  -- The old grants exactly.
  for v_acl in select a.grantee, a.privilege_type from pg_class c, aclexplode(c.relacl) a where c.oid = v_old and a.grantee <> c.relowner loop
    execute format('grant %s on public.api_usage to %s', v_acl.privilege_type, case when v_acl.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(v_acl.grantee)) end);
  end loop;
  alter table public.api_usage enable row level security;
  create policy "Users read own usage" on public.api_usage
    for select to authenticated using (user_id = (select auth.uid()));
  comment on policy "Users read own usage" on public.api_usage is 'A user sees only their own calls. There is no insert policy: only the gateway writes usage, so nobody can forge rows.';

  -- Every month the existing rows fall in, and this month and the next.
  select date_trunc('month', min(created_at) at time zone 'UTC'), date_trunc('month', max(created_at) at time zone 'UTC')
    into v_month, v_last from public.api_usage_unpartitioned;
  v_month := least(coalesce(v_month, 'infinity'), date_trunc('month', now() at time zone 'UTC'));
  v_last := greatest(coalesce(v_last, '-infinity'), date_trunc('month', now() at time zone 'UTC') + interval '1 month');
  while v_month <= v_last loop
    perform public.api_usage_partition_for(v_month at time zone 'UTC');
    v_month := v_month + interval '1 month';
  end loop;

  -- Rows before indexes: one sorted build per index instead of one insert per row and index.
  insert into public.api_usage select * from public.api_usage_unpartitioned order by created_at;
  alter table public.api_usage add constraint api_usage_pkey primary key (id, created_at);
  -- One row per call: retries and replays carry the call's created_at (see the top of this file).
  alter table public.api_usage add constraint api_usage_request_id_created_at_key unique (request_id, created_at);

  -- The functions found above, and the foreign keys to the old table (api_usage_details', see
  -- below), go with it. By oid: the signatures' type name now means the new table.
  for v_fn in select oid from ledger_functions loop
    execute format('drop function %s', v_fn.oid::regprocedure);
  end loop;
  for v_fn in select conrelid::regclass as tbl, conname from pg_constraint where contype = 'f' and confrelid = v_old loop
    execute format('alter table %s drop constraint %I', v_fn.tbl, v_fn.conname);
  end loop;
  drop table public.api_usage_unpartitioned;
  for v_fn in select * from ledger_functions loop
    execute v_fn.definition;
    execute format('comment on function %s is %L', v_fn.signature, v_fn.description);
    execute format('revoke all on function %s from public', v_fn.signature);
    for v_acl in select distinct a.grantee from pg_proc p, aclexplode(p.proacl) a where p.oid = v_fn.signature::regprocedure and a.grantee <> p.proowner loop
      execute format('revoke all on function %s from %s', v_fn.signature, quote_ident(pg_get_userbyid(v_acl.grantee)));
    end loop;
    for v_acl in select a.grantee, a.privilege_type from aclexplode(v_fn.acl) a where a.grantee <> v_fn.owner loop
      execute format('grant %s on function %s to %s', v_acl.privilege_type, v_fn.signature, case when v_acl.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(v_acl.grantee)) end);
    end loop;
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Indexes, on the parent and so on every partition (a partition made later gets them when it
-- is attached). Names as before, so plans and the Prisma mirror read the same; the keys are
-- made above, after the rows moved.
create index if not exists api_usage_user_created_idx on public.api_usage (user_id, created_at desc);
create index if not exists api_usage_user_service_created_idx on public.api_usage (user_id, service_type, created_at desc);
create index if not exists api_usage_user_campaign_created_idx
  on public.api_usage (user_id, campaign_id, created_at desc) where campaign_id is not null;

-- The log is immutable: the row trigger is cloned onto every partition; the TRUNCATE trigger is
-- statement-level, so each partition gets its own (api_usage_partition_for).
drop trigger if exists api_usage_no_update_delete on public.api_usage;
create trigger api_usage_no_update_delete
  before update or delete on public.api_usage
  for each row execute function public.api_usage_reject_change();
drop trigger if exists api_usage_no_truncate on public.api_usage;
create trigger api_usage_no_truncate
  before truncate on public.api_usage
  for each statement execute function public.api_usage_reject_change();
-- Live usage (20241115): one NOTIFY per user per statement, from the parent's transition table.
drop trigger if exists api_usage_notify on public.api_usage;
create trigger api_usage_notify after insert on public.api_usage
  referencing new table as changed for each statement execute function public.notify_usage_changed();

-- api_usage_details.request_id referenced api_usage (request_id), which is no longer unique on
-- its own. Not replaced by a key on (request_id, created_at): detaching a month would then scan
-- it for details pointing at it while holding api_usage's ACCESS EXCLUSIVE lock, and record_usage
-- writes a row and its details in one transaction anyway. Retention deletes the details of a
-- month it drops (they have expired long before: PAYLOAD_RETENTION_DAYS).
comment on column public.api_usage_details.request_id is
  'The call''s request id (api_usage.request_id; the pair with created_at is the ledger row). No foreign key: api_usage is partitioned by month.';

analyze public.api_usage;

-- ---------------------------------------------------------------------------------------
-- Retention: api_usage_months() lists the months; api_usage_drop_month(month) drops one whole,
-- the only way ledger rows ever leave (no DELETE: the rows' guard stays as it is). The rule
-- lives here, not only in the command: the current UTC month (and any later one) is refused,
-- whoever calls. The rollups (usage_aggregations, console_*) are not touched, so totals, the
-- dashboard and the console keep the dropped months. The calls' personal data in
-- api_usage_details goes with them (it expired long before, PAYLOAD_RETENTION_DAYS).
create or replace function public.api_usage_months()
  returns table (partition regclass, month date, starts timestamptz, ends timestamptz, estimated_rows bigint, bytes bigint)
  language sql stable
  set search_path = ''
  as $$
  select c.oid::regclass, (b.starts at time zone 'UTC')::date, b.starts, b.ends,
         greatest(c.reltuples, 0)::bigint, pg_catalog.pg_total_relation_size(c.oid)
    from pg_catalog.pg_inherits i
    join pg_catalog.pg_class c on c.oid = i.inhrelid
    cross join lateral (select (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)')) as m) x
    cross join lateral (select x.m[1]::timestamptz as starts, x.m[2]::timestamptz as ends) b
   where i.inhparent = 'public.api_usage'::regclass
   order by b.starts
$$;
comment on function public.api_usage_months() is
  'The api_usage partitions: month, bounds, estimated rows (planner statistics) and bytes with indexes. Server only.';
revoke all on function public.api_usage_months() from public, anon, authenticated;

create or replace function public.api_usage_drop_month(p_month date) returns bigint
  language plpgsql
  set search_path = ''
  as $$
declare
  v record;
  v_details bigint;
begin
  select * into v from public.api_usage_months() m where m.month = date_trunc('month', p_month)::date;
  if not found then
    raise exception 'api_usage has no month %', to_char(p_month, 'YYYY-MM') using errcode = 'no_data_found';
  end if;
  if v.ends > date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' then
    raise exception 'api_usage month % is not over: only past months can be dropped', to_char(p_month, 'YYYY-MM')
      using errcode = 'invalid_parameter_value';
  end if;
  -- DETACH takes ACCESS EXCLUSIVE on api_usage for a catalog change: never wait in line for it
  -- behind a long query (every call would queue behind us); fail and let the operator retry.
  perform set_config('lock_timeout', '5s', true);
  delete from public.api_usage_details where created_at >= v.starts and created_at < v.ends;
  get diagnostics v_details = row_count;
  execute format('alter table public.api_usage detach partition %s', v.partition);
  execute format('drop table %s', v.partition);
  return v_details;
end
$$;
comment on function public.api_usage_drop_month(date) is
  'Drops one past UTC month of api_usage whole (detach, drop) with its calls'' details; refuses the current month and later ones. Rollups untouched. Server only.';
revoke all on function public.api_usage_drop_month(date) from public, anon, authenticated;
