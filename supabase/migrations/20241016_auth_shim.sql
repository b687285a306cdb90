-- Auth shim: on plain PostgreSQL, create the pieces of Supabase that the schema relies on.
-- Every statement is guarded, so on Supabase (where all of this already exists) nothing is
-- replaced, and the file is safe to run any number of times.

-- Roles Supabase's API layer switches to. NOLOGIN: they are only ever reached with SET ROLE.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- The application's own login must be able to SET ROLE to each of them (withUser() relies on
-- it). Supabase's `postgres` login already is a member; grant only where it is missing.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_has_role(current_user, r, 'MEMBER') then
      execute format('grant %I to %I', r, current_user);
    end if;
  end loop;
end
$$;

-- Supabase's auth schema is owned by its auth service and refuses changes from migrations, so
-- nothing below touches it when it is already there: the shim only fills an empty database.
create schema if not exists auth;

do $$
begin
  -- A subset of Supabase's auth.users with the same column names and types, enough for the
  -- built-in auth backend.
  if to_regclass('auth.users') is null then
    create table auth.users (
      id uuid primary key default gen_random_uuid(),
      aud varchar(255) default 'authenticated',
      role varchar(255) default 'authenticated',
      email varchar(255),
      encrypted_password varchar(255),
      email_confirmed_at timestamptz,
      last_sign_in_at timestamptz,
      raw_app_meta_data jsonb default '{}'::jsonb,
      raw_user_meta_data jsonb default '{}'::jsonb,
      created_at timestamptz default now(),
      updated_at timestamptz default now()
    );
    create unique index users_email_lower_idx on auth.users (lower(email));
    comment on table auth.users is
      'Shim of Supabase auth.users for plain PostgreSQL: written only by the built-in auth backend.';
  end if;

  -- Supabase's claim readers. PostgREST (and withUser()) put the JWT claims in the
  -- transaction-local setting request.jwt.claims; older versions used request.jwt.claim.sub.
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      as $f$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $f$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;
  if to_regprocedure('auth.role()') is null then
    create function auth.role() returns text
      language sql stable
      as $f$
        select coalesce(
          nullif(current_setting('request.jwt.claim.role', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $f$;
    grant execute on function auth.role() to anon, authenticated, service_role;
  end if;
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
      language sql stable
      as $f$
        select coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
      $f$;
    grant execute on function auth.jwt() to anon, authenticated, service_role;
  end if;

  -- RLS policies call auth.uid() as the signed-in role, which must reach the schema.
  if not has_schema_privilege('authenticated', 'auth', 'USAGE') then
    grant usage on schema auth to anon, authenticated, service_role;
  end if;
end
$$;

grant usage on schema public to anon, authenticated, service_role;
