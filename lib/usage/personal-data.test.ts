// Personal data beside the ledger: record_usage writes a call's payloads, IP and user agent
// to api_usage_details (from the same JSON as before, so spooled rows replay), retention
// deletes only what is older than its period, and the migration moves what api_usage held
// and rewrites the table so the old values leave its data files.
import { randomUUID } from 'node:crypto'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { listMigrations, migrate } from '@/lib/db/migrate'
import { expirePersonalData } from '@/lib/usage/retention'
import { createEmptyDatabase, withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!

/** A usage row as the usage writer (lib/metering/) has always written it (and the spool still holds it). */
function spooledLine(userId: string, createdAt?: string) {
  return {
    user_id: userId, service_type: 'chat', provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/chat/completions',
    request_id: `req_${randomUUID()}`, campaign_id: null, input_tokens: 3, output_tokens: 4,
    input_cost: '0.0000075', output_cost: '0.00004', generation_cost: '0', total_cost: '0.0000475', price_snapshot: {},
    cost_status: 'priced', latency_ms: 12, time_to_first_token_ms: null, status: 'success', error_code: null,
    ip_address: '198.51.100.4', user_agent: 'OpenAI/JS 6.49.0', request_payload: { messages: [{ role: 'user', content: 'hello' }] },
    response_payload: { choices: [{ message: { content: 'hi' } }] }, metadata: { auth: 'api_key' },
    ...(createdAt ? { created_at: createdAt } : {}),
  }
}

describe('record_usage', () => {
  it('writes the payloads, IP and user agent beside the ledger row, from the JSON the spool already holds', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const line = spooledLine(userId)
    const { usage, details } = await withClient(url(), async (c) => {
      await c.query('select public.record_usage($1::jsonb)', [JSON.stringify(line)])
      return {
        usage: (await c.query('select to_jsonb(u) as row from public.api_usage u where request_id = $1', [line.request_id])).rows[0].row,
        details: (await c.query('select user_id::text, host(ip_address) as ip, user_agent, request_payload, response_payload from public.api_usage_details where request_id = $1', [line.request_id])).rows,
      }
    })
    expect(usage).toMatchObject({ user_id: userId, total_cost: 0.0000475, status: 'success' })
    for (const column of ['ip_address', 'user_agent', 'request_payload', 'response_payload']) expect(usage).not.toHaveProperty(column)
    expect(details).toEqual([{ user_id: userId, ip: '198.51.100.4', user_agent: 'OpenAI/JS 6.49.0', request_payload: line.request_payload, response_payload: line.response_payload }])
  })

  it('writes no details row for a call with no personal data', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const line = { ...spooledLine(userId), ip_address: null, user_agent: null, request_payload: null, response_payload: null }
    const n = await withClient(url(), async (c) => {
      await c.query('select public.record_usage($1::jsonb)', [JSON.stringify(line)])
      return (await c.query('select count(*)::int as n from public.api_usage_details where request_id = $1', [line.request_id])).rows[0].n
    })
    expect(n).toBe(0)
  })
})

describe('retention', () => {
  it('deletes only the details older than the retention period, in batches, and keeps every ledger row', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const ages = [0, 5, 29, 31, 45, 400]
    const lines = ages.map((days) => spooledLine(userId, new Date(Date.now() - days * 86_400_000).toISOString()))
    await withClient(url(), async (c) => {
      // The ledger has months from the migration's on; the app makes older ones when a row needs one.
      for (const line of lines) await c.query('select public.api_usage_partition_for($1)', [line.created_at])
      for (const line of lines) await c.query('select public.record_usage($1::jsonb)', [JSON.stringify(line)])
      // A video job from long ago still holds its request; a recent one keeps it.
      await c.query(
        `insert into public.video_jobs (id, user_id, provider, pricing_provider, model, upstream_job_id, seconds, request_id, ip_address, user_agent, request_payload, created_at)
         values ('vid_old_' || $2, $1, 'simulator', 'runway', 'gen4_turbo', 'up', 5, 'video-old-' || $2, '192.0.2.1', 'UA', '{"prompt":"old"}', now() - interval '40 days'),
                ('vid_new_' || $2, $1, 'simulator', 'runway', 'gen4_turbo', 'up', 5, 'video-new-' || $2, '192.0.2.1', 'UA', '{"prompt":"new"}', now() - interval '1 day')`,
        [userId, userId],
      )
    })

    expect(await expirePersonalData({ days: 30, batch: 1 })).toBe(4) // three details + one job, one at a time

    await withClient(url(), async (c) => {
      const kept = (await c.query('select request_id from public.api_usage_details where user_id = $1', [userId])).rows.map((r) => r.request_id)
      expect(kept.sort()).toEqual(lines.slice(0, 3).map((l) => l.request_id).sort())
      expect((await c.query('select count(*)::int as n from public.api_usage where user_id = $1', [userId])).rows[0].n).toBe(ages.length)
      const jobs = (await c.query(`select id, request_payload, ip_address, user_agent from public.video_jobs where user_id = $1 order by created_at`, [userId])).rows
      expect(jobs).toEqual([
        { id: `vid_old_${userId}`, request_payload: null, ip_address: null, user_agent: null },
        { id: `vid_new_${userId}`, request_payload: { prompt: 'new' }, ip_address: '192.0.2.1', user_agent: 'UA' },
      ])
    })
    expect(await expirePersonalData({ days: 30 })).toBe(0)
  })
})

describe('the migration to api_usage_details', () => {
  it('moves existing payloads, IPs and user agents, and rewrites api_usage so they leave its data files', async () => {
    const db = await createEmptyDatabase('personal')
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-before-details-'))
    const files = await listMigrations()
    for (const m of files.filter((f) => f.version < '20241112')) await copyFile(m.file, path.join(dir, path.basename(m.file)))
    await migrate(db, { dir })

    const needle = `needle-${randomUUID()}`
    const big = Array.from({ length: 400 }, () => randomUUID()).join(' ') // past the TOAST threshold, poorly compressible
    const userId = await withClient(db, async (c) => {
      const id = await insertUser(c)
      await c.query(
        `insert into public.api_usage (user_id, service_type, provider, model, endpoint, request_id, status, total_cost, ip_address, user_agent, request_payload, response_payload)
         values ($1, 'chat', 'openai', 'gpt-4o', '/api/v1/chat/completions', 'req-small', 'success', 0.01, '203.0.113.9', $2, $3, null),
                ($1, 'chat', 'openai', 'gpt-4o', '/api/v1/chat/completions', 'req-big', 'success', 0.02, null, null, $4, $5),
                ($1, 'chat', 'openai', 'gpt-4o', '/api/v1/chat/completions', 'req-bare', 'success', 0.03, null, null, null, null)`,
        [id, `UA ${needle}`, JSON.stringify({ prompt: needle }), JSON.stringify({ prompt: `${needle} ${big}` }), JSON.stringify({ text: big })],
      )
      return id
    })
    const fileHolds = (text: string) =>
      withClient(db, async (c) => {
        await c.query('checkpoint')
        const { rows } = await c.query<{ hit: boolean }>(
          // api_usage and its TOAST table, and (once it is partitioned, 20241201) each month's.
          `select position(convert_to($1, 'UTF8') in pg_read_binary_file(pg_relation_filepath(rel))) > 0 as hit
             from (select c.oid::regclass as part, c.reltoastrelid from pg_class c
                    where c.oid = 'public.api_usage'::regclass or c.oid in (select inhrelid from pg_inherits where inhparent = 'public.api_usage'::regclass)) t,
                  unnest(array[t.part, nullif(t.reltoastrelid, 0)::regclass]) rel
            where pg_relation_filepath(rel) is not null`,
          [text],
        )
        return rows.some((r) => r.hit)
      })
    expect(await fileHolds(needle)).toBe(true) // the check can see it while it is there

    await migrate(db)

    await withClient(db, async (c) => {
      const details = (await c.query(`select request_id, user_id::text, host(ip_address) as ip, user_agent, request_payload from public.api_usage_details order by request_id`)).rows
      expect(details).toEqual([
        { request_id: 'req-big', user_id: userId, ip: null, user_agent: null, request_payload: { prompt: `${needle} ${big}` } },
        { request_id: 'req-small', user_id: userId, ip: '203.0.113.9', user_agent: `UA ${needle}`, request_payload: { prompt: needle } },
      ])
      expect((await c.query('select count(*)::int as n from public.api_usage')).rows[0].n).toBe(3)
    })
    expect(await fileHolds(needle)).toBe(false)
  })
})
