// `npm run tollgate -- spool` as an operator runs it (a child process), against this file's
// database and DATA_DIR: what is waiting in the spool, which rows are dead and why, and a retry
// that stores them once their cause is fixed.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { replaySpool } from '@/lib/metering/spool'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!

function tollgate(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tollgate.ts', ...args], { env: { ...process.env, DATABASE_URL: url() }, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, out: result.stdout + result.stderr }
}

const row = (userId: string, model: string) => ({
  user_id: userId, service_type: 'chat', provider: 'openai', model, endpoint: '/api/v1/chat/completions',
  request_id: `req_${randomUUID().replaceAll('-', '')}`, input_cost: '0', output_cost: '0', generation_cost: '0', total_cost: '0.25',
  price_snapshot: null, cost_status: 'priced', status: 'success', created_at: new Date().toISOString(),
})

const stored = (requestId: string) => withClient(url(), async (c) => (await c.query('select total_cost::text from public.api_usage where request_id = $1', [requestId])).rows)

describe('npm run tollgate -- spool', { timeout: 180_000 }, () => {
  it('shows pending and dead rows with their reason and time, and retries the dead ones', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const dead = row(userId, 'refused-by-constraint')
    const fine = row(userId, 'gpt-4o')
    writeFileSync(path.join(process.env.DATA_DIR!, 'usage-spool.jsonl'), `${JSON.stringify(dead)}\n${JSON.stringify(fine)}\n`, { mode: 0o600 })

    const pending = tollgate('spool')
    expect(pending).toMatchObject({ code: 0, out: expect.stringContaining('2 row(s) waiting to be replayed') })
    expect(pending.out).toContain('0 dead letter(s)')

    await withClient(url(), (c) => c.query(`alter table public.api_usage add constraint cli_test_refused check (model <> 'refused-by-constraint') not valid`))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await replaySpool()).toBe(1)
      const status = tollgate('spool')
      expect(status.code).toBe(0)
      expect(status.out).toContain('0 row(s) waiting to be replayed')
      expect(status.out).toContain('1 dead letter(s)')
      expect(status.out).toMatch(new RegExp(`${dead.request_id}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+.*cli_test_refused`))
      // Still refused: it stays dead, and the command says so (exit 1: something needs a look).
      const again = tollgate('spool', 'retry')
      expect(again).toMatchObject({ code: 1, out: expect.stringContaining('stored 0, still dead 1') })
    } finally {
      errors.mockRestore()
      await withClient(url(), (c) => c.query('alter table public.api_usage drop constraint cli_test_refused'))
    }
    expect(await stored(dead.request_id)).toEqual([])

    const retried = tollgate('spool', 'retry')
    expect(retried).toMatchObject({ code: 0, out: expect.stringContaining('stored 1, still dead 0') })
    expect(await stored(dead.request_id)).toEqual([{ total_cost: '0.250000000000' }])
    expect(tollgate('spool').out).toContain('0 dead letter(s)')
  })
})
