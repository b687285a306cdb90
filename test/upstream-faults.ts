// Helpers for the upstream-fault tests: what a failed call must leave behind (one row, no
// hold, counters moved by exactly that row), the error shape the caller sees, and the proof
// that the server is still healthy afterwards.
import { APIError } from 'openai'
import { expect } from 'vitest'
import { withClient } from './databases'
import { FAKE_REPLY } from './fakes/openai'
import { usageRows, type GatewayUser, type UsageRow } from './gateway'

export type Settlement = {
  rows: UsageRow[]
  /** Admission holds the user still has (calls in flight). */
  holds: number
  chatMessagesUsed: number
  /** user_subscriptions.period_cost, and the sum of the rows' total_cost, as numeric text. */
  periodCost: string
  rowsCost: string
}

async function readSettlement(databaseUrl: string, userId: string): Promise<Omit<Settlement, 'rows'>> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query(
      `select (select count(*)::int from public.usage_holds h where h.user_id = s.user_id) as holds,
              s.chat_messages_used, s.period_cost::text as period_cost,
              (select coalesce(sum(u.total_cost), 0)::text from public.api_usage u where u.user_id = s.user_id) as rows_cost
         from public.user_subscriptions s where s.user_id = $1`,
      [userId],
    )
    const [r] = rows
    return { holds: r.holds, chatMessagesUsed: r.chat_messages_used, periodCost: r.period_cost, rowsCost: r.rows_cost }
  })
}

/**
 * Waits until `count` rows exist and no hold is left (every admitted call has settled), then
 * a little longer, so that a late extra row would be seen too.
 */
export async function settled(databaseUrl: string, userId: string, count: number): Promise<Settlement> {
  const deadline = Date.now() + 15_000
  let state = await readSettlement(databaseUrl, userId)
  let rows = await usageRows(databaseUrl, userId, count, 15_000)
  while (state.holds > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    state = await readSettlement(databaseUrl, userId)
  }
  await new Promise((r) => setTimeout(r, 300))
  rows = await usageRows(databaseUrl, userId, count, 0)
  return { rows, ...(await readSettlement(databaseUrl, userId)) }
}

/** numeric text as an exact number of pico-dollars, for comparisons without floats. */
export function pico(value: string | null): bigint {
  if (value === null) throw new Error('no cost')
  const [whole, fraction = ''] = value.split('.')
  return BigInt(whole) * 10n ** 12n + BigInt(fraction.padEnd(12, '0').slice(0, 12))
}

/** The call failed with an OpenAI-shaped error from the gateway, carrying a request id. */
export function expectOpenAIError(thrown: unknown, expected: { status?: number; code: string; type: string; message: RegExp }): APIError {
  expect(thrown).toBeInstanceOf(APIError)
  const error = thrown as APIError
  if (expected.status !== undefined) expect(error.status).toBe(expected.status)
  const body = error.error as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(body).toMatchObject({ code: expected.code, type: expected.type, param: null })
  expect(body.message).toMatch(expected.message)
  expect(error.requestID).toMatch(/^req_[0-9a-f]{32}$/)
  return error
}

/** A failed call's settlement: one row of that request, nothing charged, nothing held or counted. */
export function expectNothingCharged(s: Settlement, requestIds: string[], errorCode: string) {
  expect(s.rows.map((r) => r.request_id).sort()).toEqual([...requestIds].sort())
  for (const row of s.rows) {
    expect(row).toMatchObject({ status: 'error', error_code: errorCode, input_tokens: 0, output_tokens: 0, total_cost: '0.000000000000' })
  }
  expect(s.holds).toBe(0)
  expect(s.chatMessagesUsed).toBe(0)
  expect(s.periodCost).toBe('0.000000000000')
}

/** /api/health answers 200 and a normal call succeeds. */
export async function expectHealthy(baseUrl: string, probe: GatewayUser) {
  const health = await fetch(`${baseUrl}/api/health`)
  expect(health.status).toBe(200)
  const answer = await probe.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'still there?' }] })
  expect(answer.choices[0].message.content).toBe(FAKE_REPLY.join(''))
}

/** Crashes Node reports, whatever prints them (Next's own handler or Node's default). */
export const CRASH_LOG = /uncaught ?exception|unhandled ?rejection|\[gateway\] req_\w+ failed/i

/** The `data` of each SSE frame of a finished response body. */
export async function sseData(response: Response): Promise<string[]> {
  const text = await response.text()
  return text
    .split(/\n\n/)
    .map((frame) => frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
    .filter(Boolean)
}
