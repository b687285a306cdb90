-- API keys for the gateway, and the shared state that slows password guessing.
-- Safe to run twice.

-- api_keys: a key is shown once at creation; only its SHA-256 hash is stored. The prefix
-- (first characters of the key) lets a user recognise a key in a list without revealing it.
create table if not exists public.api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  key_prefix text not null,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.api_keys is
  'Gateway API keys, hash only. Users read their own; the server creates and revokes them.';
create index if not exists api_keys_user_created_idx on public.api_keys (user_id, created_at desc);

-- A revoked key stays revoked: a key that leaked must never come back to life.
create or replace function public.api_keys_keep_revoked() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
    raise exception 'api key % is revoked and cannot be restored', old.id
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;
drop trigger if exists api_keys_keep_revoked on public.api_keys;
create trigger api_keys_keep_revoked
  before update on public.api_keys
  for each row execute function public.api_keys_keep_revoked();

revoke all on public.api_keys from anon, authenticated;
grant select on public.api_keys to authenticated;
grant all on public.api_keys to service_role;
alter table public.api_keys enable row level security;
drop policy if exists "Users read own api keys" on public.api_keys;
create policy "Users read own api keys" on public.api_keys
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own api keys" on public.api_keys is
  'A user lists only their own keys (prefix, name, dates; the hash is useless to them).';

-- auth_login_throttle: failed sign-ins per email, shared by every app instance so that
-- guessing cannot be spread over servers. Keyed by a hash of the lower-cased email, so the
-- table does not become a list of addresses people tried.
create table if not exists public.auth_login_throttle (
  email_hash text primary key check (email_hash ~ '^[0-9a-f]{64}$'),
  failures integer not null default 0 check (failures >= 0),
  window_started_at timestamptz not null default now(),
  locked_until timestamptz,
  updated_at timestamptz not null default now()
);
comment on table public.auth_login_throttle is
  'Failed sign-in counters of the built-in auth backend. Server only: no user role may read or write it.';
revoke all on public.auth_login_throttle from anon, authenticated;
grant all on public.auth_login_throttle to service_role;
alter table public.auth_login_throttle enable row level security;
-- No policy on purpose: with RLS on and no policy, anon and authenticated see nothing.
