-- Sign out everywhere, for the built-in auth backend: sessions issued before a user's
-- valid_after are refused. (Supabase Auth revokes its own sessions.) Safe to run twice.
create table if not exists public.auth_session_epochs (
  user_id uuid primary key references auth.users (id) on delete cascade,
  valid_after timestamptz not null
);
comment on table public.auth_session_epochs is
  'Built-in auth: the moment before which a user''s session tokens are no longer accepted. Server only.';
revoke all on public.auth_session_epochs from anon, authenticated;
grant all on public.auth_session_epochs to service_role;
alter table public.auth_session_epochs enable row level security;
