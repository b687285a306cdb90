// The app's non-superuser login on a database the superuser migrated (the test template, a data
// folder of an older version): after prepareAppRole it owns every relation the migrations made,
// the ledger's partitioned parent and its months included, so it writes the ledger without
// bypassing RLS and creates the months ahead. A copy of such a database keeps its owner.
import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { ensureDatabase } from '@/lib/db/embedded'
import { migrate } from '@/lib/db/migrate'
import { adminUrl, createMigratedDatabase, urlForDatabase, withClient } from '@/test/databases'
import { APP_ROLE, prepareAppRole } from './app-role'

const [appUser, appPassword] = inject('pgAppLogin').split(':')
const asApp = (url: string) => Object.assign(new URL(url), { username: appUser, password: appPassword }).toString()

/** Relations of the app's schemas (extension members aside) not owned by the app login. */
const notOwned = (url: string) =>
  withClient(url, async (c) =>
    (
      await c.query<{ rel: string; owner: string }>(
        `select c.oid::regclass::text as rel, pg_get_userbyid(c.relowner) as owner
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in ('public', 'auth') and c.relkind in ('r', 'p', 'v', 'm')
            and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
            and c.relowner <> $1::regrole order by 1`,
        [APP_ROLE],
      )
    ).rows,
  )

/** As the app login: a month far ahead created, then a row written to this month through the parent. */
const writeAsApp = (url: string) =>
  withClient(asApp(url), async (c) => {
    await c.query(`select public.api_usage_partition_for(now() + interval '3 years')`)
    await c.query('select public.api_usage_prepare_months(2)')
    const user = (await c.query<{ id: string }>(`insert into auth.users (email) values ($1) returning id`, [`${randomBytes(6).toString('hex')}@example.com`])).rows[0].id
    await c.query(
      `insert into public.api_usage (user_id, service_type, provider, model, endpoint, request_id, total_cost, status)
       values ($1, 'chat', 'simulator', 'sim-chat', '/api/v1/chat/completions', $2, 0.0001234567, 'success')`,
      [user, `req_${randomBytes(8).toString('hex')}`],
    )
    return (await c.query<{ n: number }>('select count(*)::int as n from public.api_usage where user_id = $1', [user])).rows[0].n
  })

describe('prepareAppRole on a database the superuser migrated', () => {
  it('hands the ledger parent and every month of it to the app login, which then writes and extends the ledger', async () => {
    const name = `owned_${randomBytes(6).toString('hex')}`
    await ensureDatabase(adminUrl(), name)
    await migrate(urlForDatabase(name))
    await prepareAppRole(adminUrl(), name, appPassword)
    expect(await notOwned(urlForDatabase(name))).toEqual([])
    expect(await writeAsApp(urlForDatabase(name))).toBe(1)
  })

  it('is kept by a copy made from the template, which the app login can extend', async () => {
    const url = await createMigratedDatabase('owned_copy')
    expect(await notOwned(url)).toEqual([])
    expect(await writeAsApp(url)).toBe(1)
  })
})
