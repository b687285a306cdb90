-- model_prices: an operator's prices, which win over the catalogs bundled with the app
-- (lib/pricing) while in force. Adds models the catalogs lack, or corrects a rate from a date.
-- Safe to run twice.

-- btree_gist lets one exclusion constraint compare text with = and time ranges with &&.
-- Supabase keeps extensions in their own schema; plain PostgreSQL gets the same layout.
create schema if not exists extensions;
create extension if not exists btree_gist with schema extensions;

create table if not exists public.model_prices (
  id uuid primary key default gen_random_uuid(),
  provider text not null check (length(provider) between 1 and 50),
  model text not null check (length(model) between 1 and 200),
  -- The catalogs' unit keys: input_mtok, cache_read_mtok, cache_write_mtok, output_mtok,
  -- input_image_mtok (USD per million tokens); image, second, megapixel, generation (USD each).
  unit text not null check (unit in ('input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok',
                                     'input_image_mtok', 'image', 'second', 'megapixel', 'generation')),
  -- '' applies to every variant; otherwise a media variant key such as 'hd|1792x1024' or '720p'.
  variant text not null default '',
  price numeric(24, 12) not null check (price >= 0),
  effective_from timestamptz not null,
  effective_to timestamptz,
  source text not null check (length(source) > 0),
  note text,
  created_at timestamptz not null default now(),
  check (effective_to is null or effective_to > effective_from),
  -- One price per model, unit and variant at any instant: overlapping periods are refused.
  constraint model_prices_no_overlap exclude using gist (
    provider with =, model with =, unit with =, variant with =,
    tstzrange(effective_from, effective_to, '[)') with &&
  )
);
comment on table public.model_prices is
  'Operator price overrides with effective dates. Signed-in users may read them (they explain bills); only the service role and the server write.';
create index if not exists model_prices_lookup_idx on public.model_prices (provider, model, unit, effective_from);

revoke all on public.model_prices from anon, authenticated;
grant select on public.model_prices to authenticated;
grant all on public.model_prices to service_role;
alter table public.model_prices enable row level security;
drop policy if exists "Signed-in users read prices" on public.model_prices;
create policy "Signed-in users read prices" on public.model_prices
  for select to authenticated using (true);
comment on policy "Signed-in users read prices" on public.model_prices is
  'Prices are not private: any signed-in user may see what a call costs. No write policy: only service_role (BYPASSRLS) and the table owner write.';
