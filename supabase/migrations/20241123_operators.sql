-- Operators: the team that runs the product. Who they are, what they changed (an append-only
-- audit), the keys they issue (admin keys for the operator API, service keys that act for a
-- product's own users) and the product's own user ids mapped to Tollgate users.
-- None of these tables has a policy for `authenticated` or `anon`: only the app's login (the
-- owner) reads or writes them, on the server, after checking the operator role.

create table if not exists public.operators (
  user_id uuid primary key references auth.users (id) on delete cascade,
  granted_by text not null check (length(granted_by) between 1 and 200),
  granted_at timestamptz not null default now()
);
comment on table public.operators is
  'Users with the operator role (besides TOLLGATE_OPERATORS). Server only: granted by the CLI or another operator.';
alter table public.operators enable row level security;
revoke all on public.operators from anon, authenticated;

-- Every operator write: who (an operator, an admin key, a service key or the command line),
-- what, on whom, the state before and after. Kept when the operator or the user is deleted:
-- no foreign keys.
create table if not exists public.operator_audit (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid,
  actor text not null check (length(actor) between 1 and 300),
  action text not null check (action ~ '^[a-z][a-z_.]{1,60}$'),
  target_user uuid,
  target text check (length(target) <= 300),
  before jsonb,
  after jsonb
);
comment on table public.operator_audit is
  'Append-only record of operator writes (console, operator API, CLI). Server only; never updated or deleted.';
create index if not exists operator_audit_at_idx on public.operator_audit (at desc, id desc);
create index if not exists operator_audit_target_idx on public.operator_audit (target_user, at desc, id desc) where target_user is not null;
alter table public.operator_audit enable row level security;
revoke all on public.operator_audit from anon, authenticated;

create or replace function public.operator_audit_reject_change() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  raise exception 'operator_audit is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
drop trigger if exists operator_audit_no_update_delete on public.operator_audit;
create trigger operator_audit_no_update_delete
  before update or delete on public.operator_audit
  for each row execute function public.operator_audit_reject_change();
drop trigger if exists operator_audit_no_truncate on public.operator_audit;
create trigger operator_audit_no_truncate
  before truncate on public.operator_audit
  for each statement execute function public.operator_audit_reject_change();

-- Keys an operator issues: 'admin' keys call /api/admin/v1; 'service' keys call the gateway
-- on behalf of the product's own users (x-tollgate-user). Shown once; only the SHA-256 kept.
create table if not exists public.operator_keys (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('admin', 'service')),
  name text not null check (length(name) between 1 and 100),
  key_prefix text not null,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_by text not null check (length(created_by) between 1 and 300),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
comment on table public.operator_keys is
  'Admin and service keys issued by operators, hash only. Server only.';
create index if not exists operator_keys_created_idx on public.operator_keys (created_at desc);
alter table public.operator_keys enable row level security;
revoke all on public.operator_keys from anon, authenticated;

-- A revoked key stays revoked (as api_keys).
drop trigger if exists operator_keys_keep_revoked on public.operator_keys;
create trigger operator_keys_keep_revoked
  before update on public.operator_keys
  for each row execute function public.api_keys_keep_revoked();

-- The product's own user ids (its sign-in's), one Tollgate user each, made on first sight.
create table if not exists public.user_external_ids (
  external_id text primary key check (length(external_id) between 1 and 255),
  user_id uuid not null unique references auth.users (id) on delete cascade,
  created_at timestamptz not null default now()
);
comment on table public.user_external_ids is
  'The product''s own id of a user (x-tollgate-user, the operator API). Server only.';
alter table public.user_external_ids enable row level security;
revoke all on public.user_external_ids from anon, authenticated;
