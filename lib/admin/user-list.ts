import 'server-only'
import { z } from 'zod'
import { withOperatorRead } from '@/lib/admin/db'
import { AppError } from '@/lib/errors'
import { SERVICES, type Service } from '@/lib/services'

// The console's users table (/admin/users): search, sort, keyset pages. Reads user_subscriptions
// only (its counters ARE the period's use and cost; last_call_at is kept by settlement, see
// supabase/migrations/20241129_user_last_call.sql) and never api_usage: probing api_usage for
// each user's last call cost ~200 ms for 10,000 users when sorting by it.

export const USER_SORTS = ['email', 'plan', 'last_call', 'period_cost', 'created'] as const
export type UserSort = (typeof USER_SORTS)[number]

// Each sort's key as SQL (whitelisted: never built from input) and its type for the cursor's
// value. Nulls become a value at one end so (key, id) row comparisons order every row.
const SORT_KEY: Record<UserSort, { sql: string; type: string }> = {
  email: { sql: `lower(coalesce(u.email, ''))`, type: 'text' },
  plan: { sql: `coalesce(s.plan_type, '')`, type: 'text' },
  last_call: { sql: `coalesce(s.last_call_at, '-infinity'::timestamptz)`, type: 'timestamptz' },
  period_cost: { sql: `coalesce(s.period_cost, 0)`, type: 'numeric' },
  created: { sql: `u.created_at`, type: 'timestamptz' },
}

/** A position in one sort: the row's sort key (as PostgreSQL prints it) and its id, the tie-breaker. */
const CursorSchema = z.object({ s: z.enum(USER_SORTS), k: z.string().max(300), id: z.uuid() })
type Cursor = z.infer<typeof CursorSchema>

export const UserListQuerySchema = z.object({
  q: z.string().trim().max(255, { error: 'search is at most 255 characters' }).optional(),
  sort: z.enum(USER_SORTS, { error: `sort must be one of ${USER_SORTS.join(', ')}` }).default('created'),
  dir: z.enum(['asc', 'desc'], { error: 'dir must be asc or desc' }).default('desc'),
  after: z.string().max(600).optional(),
  before: z.string().max(600).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export type UserListQuery = z.input<typeof UserListQuerySchema>

export type UserListRow = {
  id: string
  email: string | null
  external_id: string | null
  plan: string | null
  status: string | null
  /** Use this period against the limit per service with quota columns. */
  services: Record<Service, { used: number; limit: number }> | null
  period_cost: string | null
  budget: string | null
  last_call: string | null
  created_at: string
}

export type UserListPage = { rows: UserListRow[]; next: string | null; prev: string | null }

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

function decodeCursor(value: string, sort: UserSort): Cursor {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    throw new AppError('invalid_request', 'cursor is not a cursor this list gave', { param: 'cursor' })
  }
  const cursor = CursorSchema.safeParse(parsed)
  if (!cursor.success) throw new AppError('invalid_request', 'cursor is not a cursor this list gave', { param: 'cursor' })
  if (cursor.data.s !== sort) throw new AppError('invalid_request', `cursor belongs to the ${cursor.data.s} order, not ${sort}`, { param: 'cursor' })
  return cursor.data
}

/** LIKE's own characters in a search are matched literally. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, '\\$&')}%`
}

type Raw = {
  id: string
  email: string | null
  external_id: string | null
  plan: string | null
  status: string | null
  counters: Record<string, number> | null
  period_cost: string | null
  budget: string | null
  last_call: string | null
  created_at: string
  sort_key: string
}

const COUNTERS = SERVICES.map((s) => `'${s.id}', jsonb_build_array(s.${s.usedColumn}, s.${s.limitColumn})`).join(', ')
const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** One page of users. `after` / `before` are cursors from a previous page's next / prev. */
export async function listUsers(input: UserListQuery = {}): Promise<UserListPage> {
  const parsed = UserListQuerySchema.safeParse(input)
  if (!parsed.success) throw new AppError('invalid_request', parsed.error.issues[0].message, { param: String(parsed.error.issues[0].path[0] ?? 'query') })
  const { q, sort, dir, after, before, limit } = parsed.data
  const cursor = before ? decodeCursor(before, sort) : after ? decodeCursor(after, sort) : null
  const backwards = Boolean(before)
  // Going back a page reads the other way from the cursor, then turns the rows round.
  const ascending = (dir === 'asc') !== backwards
  const key = SORT_KEY[sort]
  const search = q ? q : null
  const isId = q ? z.uuid().safeParse(q).success : false
  const rows = await withOperatorRead((tx) =>
    tx.$queryRawUnsafe<Raw[]>(
      // The page's ids first (a top-N sort of (key, id) only), then its columns for those rows.
      `with page as (
         select u.id, ${key.sql} as k
           from auth.users u
           left join public.user_subscriptions s on s.user_id = u.id
           left join public.user_external_ids x on x.user_id = u.id
          where ($1::text is null or u.email ilike $2 or x.external_id ilike $2 or ($3::uuid is not null and u.id = $3::uuid))
            and ($4::text is null or (${key.sql}, u.id) ${ascending ? '>' : '<'} ($4::${key.type}, $5::uuid))
          order by 2 ${ascending ? 'asc' : 'desc'}, 1 ${ascending ? 'asc' : 'desc'}
          limit $6)
       select u.id::text as id, u.email, x.external_id, s.plan_type as plan, s.status,
              case when s.user_id is null then null else jsonb_build_object(${COUNTERS}) end as counters,
              trim_scale(s.period_cost)::text as period_cost, trim_scale(s.monthly_cost_budget)::text as budget,
              ${ISO('s.last_call_at')} as last_call, ${ISO('u.created_at')} as created_at, p.k::text as sort_key
         from page p
         join auth.users u on u.id = p.id
         left join public.user_subscriptions s on s.user_id = u.id
         left join public.user_external_ids x on x.user_id = u.id
        order by p.k ${ascending ? 'asc' : 'desc'}, p.id ${ascending ? 'asc' : 'desc'}`,
      search,
      search ? likePattern(search) : null,
      isId ? q : null,
      cursor?.k ?? null,
      cursor?.id ?? null,
      limit + 1,
    ),
  )
  const more = rows.length > limit
  const page = rows.slice(0, limit)
  if (backwards) page.reverse()
  const at = (r: Raw | undefined) => (r ? encodeCursor({ s: sort, k: r.sort_key, id: r.id }) : null)
  return {
    rows: page.map(toRow),
    // Forwards: a next page when a row was left over, a previous one whenever we came from a cursor.
    next: backwards ? at(page.at(-1)) : more ? at(page.at(-1)) : null,
    prev: backwards ? (more ? at(page[0]) : null) : cursor ? at(page[0]) : null,
  }
}

function toRow(r: Raw): UserListRow {
  const counters = r.counters as Record<string, [number, number]> | null
  return {
    id: r.id,
    email: r.email,
    external_id: r.external_id,
    plan: r.plan,
    status: r.status,
    services: counters ? (Object.fromEntries(SERVICES.map((s) => [s.id, { used: counters[s.id][0], limit: counters[s.id][1] }])) as UserListRow['services']) : null,
    period_cost: r.period_cost,
    budget: r.budget,
    last_call: r.last_call,
    created_at: r.created_at,
  }
}
