// `npm run tollgate -- retention`, as an operator runs it: a dry run that names what would go,
// --apply that drops it, and the current month refused.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!

function tollgate(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tollgate.ts', ...args], { env: { ...process.env, DATABASE_URL: url() }, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, out: result.stdout + result.stderr }
}

const months = () =>
  withClient(url(), async (c) => (await c.query<{ m: string }>(`select to_char(month, 'YYYY-MM') as m from public.api_usage_months()`)).rows.map((r) => r.m))

describe('npm run tollgate -- retention', { timeout: 120_000 }, () => {
  it('says what it would drop, drops it with --apply, and refuses the current month', async () => {
    await withClient(url(), async (c) => {
      const user = await insertUser(c)
      for (const at of ['2015-04-10T00:00:00Z', '2015-05-10T00:00:00Z']) {
        await c.query('select public.api_usage_partition_for($1)', [at])
        await c.query('select public.record_usage($1::jsonb)', [
          JSON.stringify({ user_id: user, service_type: 'chat', provider: 'simulator', model: 'gpt-4o', endpoint: '/t', request_id: `req_${randomUUID()}`,
            total_cost: '0.5', input_cost: '0.5', output_cost: '0', generation_cost: '0', cost_status: 'priced', status: 'success', created_at: at }),
        ])
      }
    })

    const dry = tollgate('retention', '--before', '2015-05')
    expect(dry).toMatchObject({ code: 0, out: expect.stringContaining('would drop 1 month(s) of api_usage before 2015-05') })
    expect(dry.out).toMatch(/2015-04 {2}api_usage_2015_04 +1 rows/)
    expect(dry.out).toContain('dry run: nothing dropped')
    expect(await months()).toContain('2015-04')

    const applied = tollgate('retention', '--before', '2015-05', '--apply')
    expect(applied).toMatchObject({ code: 0, out: expect.stringContaining('dropped 1 month(s) (2015-04)') })
    expect(await months()).not.toContain('2015-04')
    expect(await months()).toContain('2015-05')

    const now = new Date()
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 7)
    const refused = tollgate('retention', '--before', next, '--apply')
    expect(refused).toMatchObject({ code: 2, out: expect.stringContaining('would drop the current month') })
    expect(tollgate('retention', '--keep-months', 'x')).toMatchObject({ code: 2, out: expect.stringContaining('whole number of months') })
  })
})
