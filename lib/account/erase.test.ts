// Deleting an account against the real database: every row that describes the person goes,
// in every table that has a user_id (read from the catalog, so a table added later is checked
// too), while the ledger (api_usage) and its rollups keep every row and every cent.
import { createHash, randomUUID } from 'node:crypto'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eraseAccount } from '@/lib/account/erase'
import { closeDatabase } from '@/lib/db/prisma'
import { withClient } from '@/test/databases'
import { insertOwnedRows, insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!
/** The accounting tables: they keep a deleted user's rows, with no personal data in them. */
// Accounting: the ledger, its rollups and what Stripe was paid keep their rows (nothing in them describes a person).
const LEDGER = ['public.api_usage', 'public.usage_aggregations', 'public.console_user_days', 'public.console_user_months', 'public.stripe_invoices']
const PERSONAL_COLUMNS = ['ip_address', 'user_agent', 'request_payload', 'response_payload']

/** Everything a user can leave behind: owned rows, server-only rows, a recorded call with its details. */
async function insertEverything(client: pg.Client, email: string): Promise<string> {
  const id = await insertUser(client, email)
  await insertOwnedRows(client, id)
  await client.query(`insert into public.usage_alert_deliveries (alert_id, url) select id, 'https://hooks.example.test/' || user_id from public.usage_alerts where user_id = $1`, [id])
  await client.query(`insert into public.auth_session_epochs (user_id, valid_after) values ($1, now())`, [id])
  await client.query(`insert into public.auth_ended_sessions (session_id, user_id, expires_at) values (gen_random_uuid(), $1, now() + interval '1 day')`, [id])
  await client.query(`insert into public.auth_login_throttle (email_hash, failures) values ($1, 2)`, [createHash('sha256').update(email).digest('hex')])
  // An operator with a product-side id: both go with the account.
  await client.query(`insert into public.operators (user_id, granted_by) values ($1, 'cli')`, [id])
  await client.query(`insert into public.user_external_ids (external_id, user_id) values ('ext-' || $1, $1::uuid)`, [id])
  await client.query(
    `insert into public.stripe_invoices (id, user_id, customer, amount_paid, currency, period_start, period_end, paid_at)
     values ('in_' || $1, $1::uuid, 'cus_' || $1, 2000, 'usd', now(), now() + interval '1 month', now())`,
    [id],
  )
  await client.query(`select public.record_usage($1::jsonb)`, [
    JSON.stringify({
      user_id: id, service_type: 'chat', provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/chat/completions', request_id: `req_${randomUUID()}`,
      input_tokens: 10, output_tokens: 5, input_cost: '0.000025', output_cost: '0.00005', generation_cost: '0', total_cost: '0.000075',
      price_snapshot: {}, cost_status: 'priced', status: 'success', ip_address: '203.0.113.7', user_agent: 'Secret Browser/1.0',
      request_payload: { messages: [{ role: 'user', content: 'my address is 1 Main St' }] }, response_payload: { answer: 'noted' },
    }),
  ])
  return id
}

/** Tables with a user_id column, from the catalog. */
async function userTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
      where c.relkind in ('r', 'p') and a.attname = 'user_id' and not a.attisdropped and n.nspname not in ('pg_catalog', 'information_schema')
        and not c.relispartition -- a month of api_usage is the ledger, read through its parent
      order by 1`,
  )
  return rows.map((r) => r.name)
}

const ledgerOf = (client: pg.Client, userId: string) =>
  client
    .query<{ calls: number; cost: string; rollups: number; rollup_cost: string; console_cost: string; paid: string }>(
      `select (select count(*)::int from public.api_usage where user_id = $1) as calls,
              (select sum(total_cost)::text from public.api_usage where user_id = $1) as cost,
              (select count(*)::int from public.usage_aggregations where user_id = $1) as rollups,
              (select sum(total_cost)::text from public.usage_aggregations where user_id = $1) as rollup_cost,
              (select sum(cost)::text from public.console_user_days where user_id = $1) as console_cost,
              (select sum(amount_paid)::text from public.stripe_invoices where user_id = $1) as paid`,
      [userId],
    )
    .then((r) => r.rows[0])

describe('deleting an account', () => {
  let bob: string
  let alice: string
  const bobEmail = `bob-${randomUUID()}@example.test`

  beforeAll(async () => {
    await withClient(url(), async (client) => {
      bob = await insertEverything(client, bobEmail)
      alice = await insertEverything(client, `alice-${randomUUID()}@example.test`)
    })
  })

  it('removes every personal-data row of the user, in every table with a user_id, and keeps the ledger whole', async () => {
    const before = await withClient(url(), (c) => ledgerOf(c, bob))
    expect(before.calls).toBe(2)
    expect(before.rollups).toBeGreaterThan(0)
    expect(before.console_cost).toBe('0.000075000000')
    expect(before.paid).toBe('2000')

    expect(await eraseAccount(bob)).toBe('deleted')

    await withClient(url(), async (client) => {
      const tables = await userTables(client)
      expect(tables).toEqual(expect.arrayContaining([...LEDGER, 'public.api_usage_details', 'public.api_keys', 'public.campaigns', 'public.user_subscriptions']))
      const left: Record<string, number> = {}
      for (const table of tables.filter((t) => !LEDGER.includes(t))) {
        left[table] = (await client.query(`select count(*)::int as n from ${table} where user_id = $1`, [bob])).rows[0].n
      }
      expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([])
      expect((await client.query('select count(*)::int as n from auth.users where id = $1', [bob])).rows[0].n).toBe(0)
      expect((await client.query('select count(*)::int as n from public.auth_login_throttle where email_hash = $1', [createHash('sha256').update(bobEmail).digest('hex')])).rows[0].n).toBe(0)
      expect((await client.query(`select count(*)::int as n from public.usage_alert_deliveries where url like '%' || $1`, [bob])).rows[0].n).toBe(0)

      // The ledger: same rows, same money, and nothing in it that describes a person.
      expect(await ledgerOf(client, bob)).toEqual(before)
      const personal = await client.query(
        `select table_name, column_name from information_schema.columns
          where table_schema = 'public' and table_name in ('api_usage', 'usage_aggregations', 'console_user_days', 'console_user_months', 'stripe_invoices') and column_name = any($1)`,
        [PERSONAL_COLUMNS],
      )
      expect(personal.rows).toEqual([])

      // Alice, who was not deleted, still has everything.
      for (const table of tables) {
        const n = (await client.query(`select count(*)::int as n from ${table} where user_id = $1`, [alice])).rows[0].n
        expect(n, `${table} lost Alice's rows`).toBeGreaterThan(0)
      }
    })
  })

  it('says when the user does not exist (deleted twice)', async () => {
    expect(await eraseAccount(bob)).toBe('no_such_user')
  })

  it('refuses while a Stripe subscription would go on billing the person, and deletes nothing', async () => {
    const carol = await withClient(url(), async (client) => {
      const id = await insertEverything(client, `carol-${randomUUID()}@example.test`)
      await client.query(`update public.user_subscriptions set stripe_subscription_id = 'sub_' || $1, status = 'active' where user_id = $1`, [id])
      return id
    })
    expect(await eraseAccount(carol)).toBe('stripe_subscription')
    expect(await withClient(url(), async (c) => (await c.query('select count(*)::int as n from auth.users where id = $1', [carol])).rows[0].n)).toBe(1)
    // Once it is set to end, deletion goes ahead.
    await withClient(url(), (c) => c.query(`update public.user_subscriptions set cancel_at_period_end = true where user_id = $1`, [carol]))
    expect(await eraseAccount(carol)).toBe('deleted')
  })
})
