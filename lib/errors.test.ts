import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError, ERROR_CODES, errorBody, errorResponse, INTERNAL_MESSAGE, logFailure, toAppError } from '@/lib/errors'
import { UpstreamError } from '@/lib/providers/transport'

afterEach(() => vi.restoreAllMocks())

describe('the error table', () => {
  it('gives every code a 4xx or 5xx and an OpenAI type', () => {
    for (const [code, { status, type }] of Object.entries(ERROR_CODES)) {
      expect(status >= 400 && status < 600, code).toBe(true)
      expect(type, code).toMatch(/^[a-z_]+_error$/)
    }
  })

  it('maps each code to its status and type', () => {
    const cases: [keyof typeof ERROR_CODES, number, string][] = [
      ['invalid_request', 400, 'invalid_request_error'],
      ['unauthorized', 401, 'authentication_error'],
      ['invalid_api_key', 401, 'authentication_error'],
      ['cross_site_request', 403, 'permission_error'],
      ['not_found', 404, 'invalid_request_error'],
      ['email_taken', 409, 'invalid_request_error'],
      ['payload_too_large', 413, 'invalid_request_error'],
      ['unsupported_media_type', 415, 'invalid_request_error'],
      ['usage_limit_exceeded', 429, 'usage_limit_error'],
      ['rate_limited', 429, 'rate_limit_error'],
      ['too_many_attempts', 429, 'rate_limit_error'],
      ['upstream_rate_limited', 503, 'upstream_error'],
      ['database_unavailable', 503, 'server_error'],
      ['internal_error', 500, 'server_error'],
    ]
    for (const [code, status, type] of cases) expect(new AppError(code, 'm'), code).toMatchObject({ code, status, type })
  })
})

describe('errorResponse', () => {
  it('answers OpenAI\'s shape with the code\'s status, the error\'s headers over the edge\'s', async () => {
    const error = new AppError('rate_limited', 'slow down', { param: 'model', extra: { limit: 5 }, headers: { 'retry-after': '7' } })
    const response = errorResponse(error, { 'retry-after': '1', 'x-request-id': 'req_1' })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('7')
    expect(response.headers.get('x-request-id')).toBe('req_1')
    expect(await response.json()).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limited', param: 'model', limit: 5 } })
  })

  it('says param: null when no field is at fault', () => {
    expect(errorBody(new AppError('not_found', 'No such API key'))).toEqual({ error: { message: 'No such API key', type: 'invalid_request_error', code: 'not_found', param: null } })
  })
})

describe('toAppError', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('not_found', 'gone')
    expect(toAppError(error)).toBe(error)
  })

  it('turns an unavailable database into 503 with Retry-After, busy or unreachable', () => {
    const down = toAppError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' }))
    expect(down).toMatchObject({ code: 'database_unavailable', status: 503, headers: { 'retry-after': '2' } })
    expect(down.message).toMatch(/cannot reach its database.*Retry shortly/)
    const busy = toAppError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))
    expect(busy).toMatchObject({ code: 'database_unavailable', status: 503 })
    expect(busy.message).toMatch(/did not answer in time/)
  })

  it('hides the message of anything unexpected, a data error included', () => {
    for (const thrown of [new TypeError('x.y is undefined'), Object.assign(new Error('duplicate key value violates unique constraint "secret_idx"'), { code: '23505' }), 'a string']) {
      const error = toAppError(thrown)
      expect(error).toMatchObject({ code: 'internal_error', status: 500, message: INTERNAL_MESSAGE })
    }
  })

  it('maps every upstream failure', () => {
    expect(toAppError(new UpstreamError('client_error', 'bad temperature', 422))).toMatchObject({ code: 'upstream_rejected', status: 422 })
    const credentials = toAppError(new UpstreamError('client_error', 'Incorrect API key provided: sk-abc', 401))
    expect(credentials).toMatchObject({ code: 'upstream_error', status: 502 })
    expect(credentials.message).not.toContain('sk-abc')
    expect(toAppError(new UpstreamError('rate_limited', 'slow', 429, 120))).toMatchObject({ code: 'upstream_rate_limited', status: 503, headers: { 'retry-after': '120', 'x-should-retry': 'false' } })
    expect(toAppError(new UpstreamError('rate_limited', 'slow', 429))).toMatchObject({ code: 'upstream_rate_limited', headers: undefined })
    expect(toAppError(new UpstreamError('timeout', 'after 1 s'))).toMatchObject({ code: 'upstream_timeout', status: 504 })
    expect(toAppError(new UpstreamError('aborted', 'gone'))).toMatchObject({ code: 'client_closed_request', status: 499 })
    expect(toAppError(new UpstreamError('server_error', '500', 500))).toMatchObject({ code: 'upstream_error', status: 502 })
  })
})

describe('logFailure', () => {
  it('logs the unexpected whole, an outage at most once per 5 s, and refusals not at all', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const bug = new TypeError('boom')
    logFailure('api', toAppError(bug), bug, 'GET /api/keys')
    expect(log).toHaveBeenCalledWith('[api] GET /api/keys failed:', bug)
    logFailure('api', new AppError('invalid_request', 'bad'), null, 'POST /api/keys')
    expect(log).toHaveBeenCalledTimes(1)
    const outage = new Error('Connection terminated unexpectedly')
    for (let i = 0; i < 3; i++) logFailure('gateway', toAppError(outage), outage, 'req')
    expect(log).toHaveBeenCalledTimes(2)
    expect(log.mock.calls[1][0]).toMatch(/^\[gateway\] database unavailable, answering 503 \(req\): Connection terminated unexpectedly$/)
  })
})
