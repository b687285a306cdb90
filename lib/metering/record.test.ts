// trackAPIUsage against the real database: one round trip writes the row, its rollups and the
// counters; a failing database never throws at the caller, and what could not be written is
// spooled and replayed exactly once. Rows are made as the gateway makes them, by buildUsageRow.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { closeDatabase } from '@/lib/db/prisma'
import { trackAPIUsage } from '@/lib/metering/record'
import { buildUsageRow, type CallContext, type Outcome } from '@/lib/metering/row'
import { replaySpool } from '@/lib/metering/spool'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const url = () => process.env.DATABASE_URL!
const spoolFile = () => path.join(process.env.DATA_DIR!, 'usage-spool.jsonl')

function record(userId: string, outcome: Partial<Outcome> = {}, context: Partial<CallContext> = {}) {
  return buildUsageRow(
    {
      userId,
      service: 'chat',
      endpoint: '/api/v1/chat/completions',
      requestId: `req_${randomUUID()}`,
      campaignId: null,
      ip: null,
      userAgent: null,
      requestPayload: null,
      auth: 'api_key',
      apiKeyId: null,
      at: new Date(),
      latencyMs: 250,
      ...context,
    },
    {
      provider: 'openai',
      model: 'gpt-4o',
      input_tokens: 1000,
      output_tokens: 500,
      input_cost: '0.0025',
      output_cost: '0.005',
      generation_cost: '0',
      total_cost: '0.0075',
      price_snapshot: { rates: { input_mtok: '2.5', output_mtok: '10' } },
      cost_status: 'priced',
      ...outcome,
    },
  )
}

describe('trackAPIUsage', () => {
  it('writes the row, the day/week/month rollups and the counters together, and only once per request id', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const row = record(userId)
    await trackAPIUsage(row)
    await trackAPIUsage(row) // a retry of the same call
    await trackAPIUsage(record(userId, { error_code: 'upstream_error', input_cost: '0', output_cost: '0', total_cost: '0' }))
    await trackAPIUsage(record(userId, { total_cost: null, input_cost: null, output_cost: null, generation_cost: null, cost_status: 'unpriced', model: 'mystery' }))
    const state = await withClient(url(), async (c) => ({
      rows: (await c.query('select count(*)::int as n from public.api_usage where user_id = $1', [userId])).rows[0].n,
      statuses: (await c.query(`select model, status, error_code, latency_ms, metadata from public.api_usage where user_id = $1 order by status, model`, [userId])).rows,
      rollups: (await c.query(`select period_type, request_count, success_count, error_count, total_cost::text, unpriced_count from public.usage_aggregations where user_id = $1 and model = 'gpt-4o' order by period_type`, [userId])).rows,
      unpriced: (await c.query(`select sum(unpriced_count)::int as n from public.usage_aggregations where user_id = $1 and period_type = 'day'`, [userId])).rows[0].n,
      sub: (await c.query('select chat_messages_used, period_cost::text from public.user_subscriptions where user_id = $1', [userId])).rows[0],
    }))
    expect(state.rows).toBe(3)
    expect(state.statuses).toEqual([
      { model: 'gpt-4o', status: 'error', error_code: 'upstream_error', latency_ms: 250, metadata: { auth: 'api_key' } },
      { model: 'gpt-4o', status: 'success', error_code: null, latency_ms: 250, metadata: { auth: 'api_key' } },
      { model: 'mystery', status: 'success', error_code: null, latency_ms: 250, metadata: { auth: 'api_key' } },
    ])
    expect(state.rollups).toEqual(
      ['day', 'month', 'week'].map((p) => ({ period_type: p, request_count: 2, success_count: 1, error_count: 1, total_cost: '0.007500000000', unpriced_count: 0 })),
    )
    expect(state.unpriced).toBe(1)
    expect(state.sub).toEqual({ chat_messages_used: 2, period_cost: '0.007500000000' })
  })

  it('books the services without a quota column (embedding, audio, moderation): their rollups and the period cost, no quota counter', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    for (const service of ['embedding', 'audio', 'moderation'] as const)
      await trackAPIUsage(record(userId, { model: `${service}-model`, total_cost: '0.001', input_cost: '0.001', output_cost: '0' }, { service, endpoint: `/api/v1/${service}` }))
    const state = await withClient(url(), async (c) => ({
      rows: (await c.query(`select service_type from public.api_usage where user_id = $1 order by service_type`, [userId])).rows.map((r) => r.service_type),
      rollups: (await c.query(`select count(*)::int as n from public.usage_aggregations where user_id = $1 and period_type = 'month'`, [userId])).rows[0].n,
      sub: (await c.query('select content_generations_used + chat_messages_used + image_generations_used + video_generations_used as quota_used, period_cost::text from public.user_subscriptions where user_id = $1', [userId])).rows[0],
    }))
    expect(state.rows).toEqual(['audio', 'embedding', 'moderation'])
    expect(state.rollups).toBe(3)
    expect(state.sub).toEqual({ quota_used: 0, period_cost: '0.003000000000' })
  })

  it('still books a call whose details the database refuses (an address inet cannot hold)', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const row = record(userId, {}, { campaignId: randomUUID(), ip: 'not an address', requestPayload: { prompt: 'x' } })
    await trackAPIUsage(row)
    errors.mockRestore()
    const [stored] = await withClient(url(), async (c) => (await c.query('select campaign_id, total_cost::text, metadata from public.api_usage where request_id = $1', [row.request_id])).rows)
    expect(stored).toEqual({ campaign_id: null, total_cost: '0.007500000000', metadata: { stored_without_details: true } })
  })

  it('books the call of a user deleted while it ran, without keeping their personal data', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const row = record(userId, {}, { ip: '192.0.2.10', userAgent: 'UA', requestPayload: { prompt: 'mine' } })
    await withClient(url(), (c) => c.query('select public.delete_account($1)', [userId]))
    await trackAPIUsage(row)
    errors.mockRestore()
    const state = await withClient(url(), async (c) => ({
      ledger: (await c.query('select total_cost::text from public.api_usage where request_id = $1', [row.request_id])).rows,
      details: (await c.query('select count(*)::int as n from public.api_usage_details where request_id = $1', [row.request_id])).rows[0].n,
    }))
    expect(state).toEqual({ ledger: [{ total_cost: '0.007500000000' }], details: 0 })
  })

  it('clamps counts the integer columns cannot hold instead of losing the row', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    // A latency below zero is what a clock stepped back mid-call gives; latency_ms >= 0 is a check.
    const row = record(userId, { input_tokens: 3e9, output_tokens: -5, cached_tokens: 1.5, time_to_first_token_ms: 7.4 }, { latencyMs: -40 })
    await trackAPIUsage(row)
    const [stored] = await withClient(url(), async (c) => (await c.query('select input_tokens, output_tokens, cached_tokens, latency_ms, time_to_first_token_ms from public.api_usage where request_id = $1', [row.request_id])).rows)
    expect(stored).toEqual({ input_tokens: 2147483647, output_tokens: 0, cached_tokens: 2, latency_ms: 0, time_to_first_token_ms: 7 })
  })

  it('never throws when the database fails: it retries, spools, and replays exactly once', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const row = record(userId)
    await withClient(url(), (c) => c.query('alter function public.record_usage(jsonb) rename to record_usage_unavailable'))
    try {
      await expect(trackAPIUsage(row)).resolves.toBeUndefined()
    } finally {
      await withClient(url(), (c) => c.query('alter function public.record_usage_unavailable(jsonb) rename to record_usage'))
    }
    expect(errors.mock.calls.some(([line]) => String(line).includes(row.request_id))).toBe(true)
    expect(readFileSync(spoolFile(), 'utf8')).toContain(row.request_id)

    expect(await replaySpool()).toBe(1)
    expect(existsSync(spoolFile())).toBe(false)
    expect(await replaySpool()).toBe(0)
    const count = await withClient(url(), async (c) => (await c.query('select count(*)::int as n from public.api_usage where request_id = $1', [row.request_id])).rows[0].n)
    expect(count).toBe(1)
    errors.mockRestore()
  })
  it('creates the spool readable by its owner only (0600): it holds prompts and outputs', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const row = record(userId)
    await withClient(url(), (c) => c.query('alter function public.record_usage(jsonb) rename to record_usage_unavailable'))
    try {
      await trackAPIUsage(row)
      expect(statSync(spoolFile()).mode & 0o777).toBe(0o600)
    } finally {
      await withClient(url(), (c) => c.query('alter function public.record_usage_unavailable(jsonb) rename to record_usage'))
      errors.mockRestore()
    }
    expect(await replaySpool()).toBe(1)
  })

  it('logs a row it could not spool by its request id only, never its content', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const row = record(userId, {}, { requestPayload: { messages: [{ role: 'user', content: 'my private prompt' }] } })
    rmSync(spoolFile(), { force: true })
    mkdirSync(spoolFile()) // the spool path is taken: appending to it fails
    await withClient(url(), (c) => c.query('alter function public.record_usage(jsonb) rename to record_usage_unavailable'))
    let lines: string[]
    try {
      await trackAPIUsage(row)
      lines = errors.mock.calls.map((call) => call.map(String).join(' '))
    } finally {
      await withClient(url(), (c) => c.query('alter function public.record_usage_unavailable(jsonb) rename to record_usage'))
      rmSync(spoolFile(), { recursive: true })
      errors.mockRestore()
    }
    expect(lines.some((line) => line.includes(`could not spool ${row.request_id}`))).toBe(true)
    expect(lines.join('\n')).not.toContain('my private prompt')
    expect(lines.join('\n')).not.toContain(userId)
  })
})
