-- Responses the OpenAI Responses API stored (store: true, its default) for a caller of
-- /api/v1/responses (issue 16, item 1). OpenAI keeps them under the gateway's one key, shared by
-- every caller: this table says whose each is, so GET/DELETE /api/v1/responses/{id} and a
-- previous_response_id reach only the caller's own. Written by the gateway when OpenAI answers.
-- Safe to run twice.
create table if not exists public.stored_responses (
  id text primary key check (length(id) <= 200),
  user_id uuid not null references auth.users (id) on delete cascade,
  request_id text not null,
  model text not null,
  -- Input plus output tokens of this response: all of it is input again for a response that
  -- continues it (previous_response_id), so admission holds it for the next turn.
  context_tokens integer not null default 0 check (context_tokens >= 0),
  created_at timestamptz not null default now()
);
comment on table public.stored_responses is
  'Which user created which stored OpenAI response (resp_… id). Users read their own; only the gateway writes.';
create index if not exists stored_responses_user_created_idx on public.stored_responses (user_id, created_at desc);

revoke all on public.stored_responses from anon, authenticated;
grant select on public.stored_responses to authenticated;
grant all on public.stored_responses to service_role;
alter table public.stored_responses enable row level security;
drop policy if exists "Users read own stored responses" on public.stored_responses;
create policy "Users read own stored responses" on public.stored_responses
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy "Users read own stored responses" on public.stored_responses is 'A user sees only the responses they created.';
