// The one row builder: every column from the call's context and outcome, the status from the
// error code, and counts made to fit their columns.
import { describe, expect, it } from 'vitest'
import { buildUsageRow, costColumns, usageStatus, ZERO_COST, type CallContext } from '@/lib/metering/row'

const context = (extra: Partial<CallContext> = {}): CallContext => ({
  userId: '00000000-0000-4000-8000-000000000001',
  service: 'chat',
  endpoint: '/api/v1/chat/completions',
  requestId: 'req_1',
  campaignId: null,
  ip: '192.0.2.1',
  userAgent: 'UA',
  requestPayload: { model: 'gpt-4o' },
  auth: 'api_key',
  apiKeyId: '00000000-0000-4000-8000-00000000000a',
  at: new Date('2024-11-13T10:00:00.000Z'),
  latencyMs: 1234,
  ...extra,
})

describe('usageStatus', () => {
  it.each([
    [null, 'success'],
    [undefined, 'success'],
    ['client_closed_request', 'client_aborted'],
    ['rate_limited', 'rate_limited'],
    ['usage_limit_exceeded', 'limit_exceeded'],
    ['upstream_error', 'error'],
    ['generation_failed', 'error'],
    ['database_unavailable', 'error'],
    // Not a prototype lookup: an odd code is an error, never undefined.
    ['constructor', 'error'],
  ])('%s → %s', (code, status) => {
    expect(usageStatus(code)).toBe(status)
  })
})

describe('buildUsageRow', () => {
  it('fills every column from the context and the outcome, with the status from the error code', () => {
    const row = buildUsageRow(context({ campaignId: 'c1' }), {
      provider: 'openai', model: 'gpt-4o', ...ZERO_COST, error_code: 'usage_limit_exceeded', response_payload: { error: 'x' }, metadata: { usage_source: 'upstream' },
    })
    expect(row).toEqual({
      user_id: '00000000-0000-4000-8000-000000000001', service_type: 'chat', endpoint: '/api/v1/chat/completions', request_id: 'req_1', campaign_id: 'c1',
      ip_address: '192.0.2.1', user_agent: 'UA', request_payload: { model: 'gpt-4o' }, created_at: '2024-11-13T10:00:00.000Z', latency_ms: 1234,
      provider: 'openai', model: 'gpt-4o', ...ZERO_COST, response_payload: { error: 'x' },
      status: 'limit_exceeded', error_code: 'usage_limit_exceeded',
      metadata: { auth: 'api_key', api_key_id: '00000000-0000-4000-8000-00000000000a', usage_source: 'upstream' },
    })
  })

  it('marks a call without an error code a success, and a session call without a key id', () => {
    const row = buildUsageRow(context({ auth: 'session', apiKeyId: null }), { provider: 'simulator', model: 'm', ...ZERO_COST })
    expect(row).toMatchObject({ status: 'success', error_code: null, metadata: { auth: 'session' } })
    expect(row.metadata).not.toHaveProperty('api_key_id')
  })

  it('clamps counts to what their columns hold: negative, fractional, huge and non-finite values', () => {
    const row = buildUsageRow(context({ latencyMs: -3_600_000 }), {
      provider: 'p', model: 'm', ...ZERO_COST,
      input_tokens: 3e9, output_tokens: -5, cached_tokens: 1.5, reasoning_tokens: Number.NaN, images_generated: Number.POSITIVE_INFINITY,
      time_to_first_token_ms: -1, video_seconds: 1e12,
    })
    expect(row).toMatchObject({
      latency_ms: 0, input_tokens: 2_147_483_647, output_tokens: 0, cached_tokens: 2, reasoning_tokens: 0, images_generated: 0,
      time_to_first_token_ms: 0, video_seconds: 999_999_999.999,
    })
    expect(buildUsageRow(context(), { provider: 'p', model: 'm', ...ZERO_COST, video_seconds: 4.99951, time_to_first_token_ms: null })).toMatchObject({ video_seconds: 5, time_to_first_token_ms: null, latency_ms: 1234 })
    expect(buildUsageRow(context(), { provider: 'p', model: 'm', ...ZERO_COST, video_seconds: -2 }).video_seconds).toBe(0)
  })

  it('merges the outcome\'s metadata with how the call was authenticated', () => {
    const row = buildUsageRow(context(), { provider: 'p', model: 'm', ...ZERO_COST, metadata: { video_job_id: 'vid_1' } })
    expect(row.metadata).toEqual({ auth: 'api_key', api_key_id: '00000000-0000-4000-8000-00000000000a', video_job_id: 'vid_1' })
  })
})

describe('costColumns', () => {
  const priced = { inputCost: '0.001', outputCost: '0.002', generationCost: null, totalCost: '0.003', priceSnapshot: null, costStatus: 'priced' as const }
  it('says `estimated` when the quantities were Tollgate\'s own count, never for an unpriced cost', () => {
    expect(costColumns(priced, false).cost_status).toBe('priced')
    expect(costColumns(priced, false, true)).toMatchObject({ cost_status: 'estimated', total_cost: '0.003' })
    expect(costColumns({ ...priced, totalCost: null, costStatus: 'unpriced' }, false, true).cost_status).toBe('unpriced')
  })
})
