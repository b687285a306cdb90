// The spool against the real database: a row that can never be stored goes to the dead-letter
// file with its reason and never blocks the rows behind it; a database outage stops the replay
// with every row kept, in order; failures are logged by request id, never by content.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { listDeadLetters, listSpooled, replaySpool, retryDeadLetters } from '@/lib/metering/spool'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

// Each test starts with neither file: the DATA_DIR is the test file's own.
beforeEach(() => {
  rmSync(spoolFile(), { force: true })
  rmSync(deadFile(), { force: true })
})

const url = () => process.env.DATABASE_URL!
const spoolFile = () => path.join(process.env.DATA_DIR!, 'usage-spool.jsonl')
const deadFile = () => path.join(process.env.DATA_DIR!, 'usage-dead-letter.jsonl')

/** A spooled row as the writer leaves it: a complete api_usage row in JSON. */
function spooled(userId: string, extra: Record<string, unknown> = {}) {
  return {
    user_id: userId, service_type: 'chat', provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/chat/completions',
    request_id: `req_${randomUUID().replaceAll('-', '')}`, input_tokens: 10, output_tokens: 5,
    input_cost: '0.001', output_cost: '0.002', generation_cost: '0', total_cost: '0.003', price_snapshot: null,
    cost_status: 'priced', status: 'success', latency_ms: 5, request_payload: { messages: [{ role: 'user', content: 'a private prompt' }] },
    created_at: new Date().toISOString(), ...extra,
  }
}

const writeSpool = (lines: string[]) => writeFileSync(spoolFile(), lines.map((l) => `${l}\n`).join(''), { mode: 0o600 })
const storedIds = (ids: string[]) =>
  withClient(url(), async (c) => (await c.query<{ request_id: string }>('select request_id from public.api_usage where request_id = any($1) order by request_id', [ids])).rows.map((r) => r.request_id))

// A constraint of the test's own stands for any row the schema refuses for good (a service a
// newer version knows, a value out of range): NOT VALID, so it judges new rows only.
const refuseModel = (model: string) => withClient(url(), (c) => c.query(`alter table public.api_usage add constraint spool_test_refused check (model <> '${model}') not valid`))
const allowAgain = () => withClient(url(), (c) => c.query('alter table public.api_usage drop constraint if exists spool_test_refused'))

// The database going away mid-replay: record_usage answers as a PostgreSQL that is starting up
// does (SQLSTATE 57P03), which lib/db/errors.ts classifies as unavailable.
async function databaseAway<T>(run: () => Promise<T>): Promise<T> {
  await withClient(url(), (c) =>
    c.query(`alter function public.record_usage(jsonb) rename to record_usage_real;
             create function public.record_usage(p jsonb) returns boolean language plpgsql as $$
             begin raise exception 'the database system is starting up' using errcode = '57P03'; end $$;`),
  )
  try {
    return await run()
  } finally {
    await withClient(url(), (c) => c.query('drop function public.record_usage(jsonb); alter function public.record_usage_real(jsonb) rename to record_usage'))
  }
}

describe('replaying the spool', () => {
  it('dead-letters a row that can never be stored, and an unreadable line, and stores the rows behind them', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const refused = spooled(userId, { model: 'refused-model' })
    const behind = [spooled(userId), spooled(userId)]
    writeSpool([JSON.stringify(refused), '{"request_id":"req_torn","request_payload":"half a private prompt', ...behind.map((r) => JSON.stringify(r))])
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    await refuseModel('refused-model')
    let stored: number
    try {
      stored = await replaySpool()
    } finally {
      await allowAgain()
    }
    const logged = errors.mock.calls.map((call) => call.map(String).join(' ')).join('\n')
    errors.mockRestore()

    expect(stored).toBe(2)
    expect(await storedIds(behind.map((r) => r.request_id))).toEqual(behind.map((r) => r.request_id).sort())
    expect(await storedIds([refused.request_id])).toEqual([])
    expect(listSpooled()).toEqual([])

    const dead = listDeadLetters()
    expect(dead).toEqual([
      { request_id: refused.request_id, reason: expect.stringContaining('spool_test_refused'), failed_at: expect.any(String), attempts: 1 },
      { request_id: 'req_torn', reason: expect.stringMatching(/unreadable/), failed_at: expect.any(String), attempts: 1 },
    ])
    expect(Date.now() - Date.parse(dead[0].failed_at)).toBeLessThan(60_000)
    // The dead letters keep what is needed to store the row later: private, like the spool.
    expect(statSync(deadFile()).mode & 0o777).toBe(0o600)
    expect(readFileSync(deadFile(), 'utf8')).toContain(refused.request_id)

    // Logged by request id, never by content.
    expect(logged).toContain(refused.request_id)
    expect(logged).not.toContain('private prompt')
  })

  it('stops at a database outage with every row kept, in order, and nothing dead-lettered', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const rows = [spooled(userId), spooled(userId), spooled(userId)]
    writeSpool(rows.map((r) => JSON.stringify(r)))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await databaseAway(() => replaySpool())).toBe(0)
      expect(listSpooled()).toEqual(rows.map((r) => r.request_id))
      expect(listDeadLetters()).toEqual([])
      // A row spooled meanwhile goes behind the ones already waiting.
      const later = spooled(userId)
      writeFileSync(spoolFile(), `${JSON.stringify(later)}\n`, { flag: 'a', mode: 0o600 })
      expect(listSpooled()).toEqual([...rows, later].map((r) => r.request_id))
      expect(errors.mock.calls.some((call) => String(call[0]).includes(rows[0].request_id))).toBe(true)

      expect(await replaySpool()).toBe(4)
      expect(await storedIds([...rows, later].map((r) => r.request_id))).toHaveLength(4)
      expect(listSpooled()).toEqual([])
      expect(existsSync(spoolFile())).toBe(false)
    } finally {
      errors.mockRestore()
    }
  })

  it('retries dead letters: a row whose cause is fixed is stored, the others stay', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const refused = spooled(userId, { model: 'refused-later' })
    writeSpool([JSON.stringify(refused)])
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    await refuseModel('refused-later')
    try {
      await replaySpool()
      expect(listDeadLetters().map((d) => d.request_id)).toContain(refused.request_id)
      const still = await retryDeadLetters()
      expect(still).toEqual({ stored: 0, dead: 1 })
      expect(listDeadLetters().find((d) => d.request_id === refused.request_id)).toMatchObject({ attempts: 2 })
    } finally {
      await allowAgain()
    }
    const retried = await retryDeadLetters()
    errors.mockRestore()
    expect(retried).toEqual({ stored: 1, dead: 0 })
    expect(await storedIds([refused.request_id])).toEqual([refused.request_id])
    expect(listDeadLetters().map((d) => d.request_id)).not.toContain(refused.request_id)
  })

  it('adopts the half-replayed file of a process that died, first, and leaves a live process\'s alone', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const [orphaned, waiting, othersInFlight] = [spooled(userId), spooled(userId), spooled(userId)]
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!
    const orphanFile = `${spoolFile()}.${deadPid}.${Date.now() - 60_000}.replaying`
    // The parent (vitest) is alive and is not this process: its file is its own to finish.
    const liveFile = `${spoolFile()}.${process.ppid}.${Date.now() - 30_000}.replaying`
    writeFileSync(orphanFile, `${JSON.stringify(orphaned)}\n`, { mode: 0o600 })
    writeFileSync(liveFile, `${JSON.stringify(othersInFlight)}\n`, { mode: 0o600 })
    writeSpool([JSON.stringify(waiting)])
    try {
      expect(listSpooled()).toEqual([orphaned.request_id, waiting.request_id])
      expect(await replaySpool()).toBe(2)
      expect(existsSync(orphanFile)).toBe(false)
      expect(readFileSync(liveFile, 'utf8')).toContain(othersInFlight.request_id)
      expect(await storedIds([orphaned, waiting, othersInFlight].map((r) => r.request_id))).toEqual([orphaned, waiting].map((r) => r.request_id).sort())
    } finally {
      rmSync(liveFile, { force: true })
    }
  })
})
