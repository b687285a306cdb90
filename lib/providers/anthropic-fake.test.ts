// The fake Anthropic API's faults behave as the conformance suite needs them: a stall is
// silence after two pieces, a client that hangs up is recorded as an abort, errors come in
// Anthropic's shape with its request checks.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CUT_REPLY, startFakeAnthropic, type FakeAnthropic } from '@/test/fakes/anthropic'

let fake: FakeAnthropic
beforeAll(async () => {
  fake = await startFakeAnthropic()
})
afterAll(() => fake.close())

const post = (text: string, over: Record<string, unknown> = {}, signal?: AbortSignal) =>
  fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: text }], stream: true, ...over }),
    signal,
  })

/** Reads a stream until `done(text so far)` holds, then hangs up. */
async function readUntil(response: Response, controller: AbortController, done: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader()
  let text = ''
  while (!done(text)) {
    const { value, done: ended } = await reader.read()
    if (ended) break
    text += new TextDecoder().decode(value)
  }
  controller.abort()
  return text
}

it('stalls after two pieces, and records the hang-up as an abort', async () => {
  const controller = new AbortController()
  const text = await readUntil(await post('[fault:stall]', {}, controller.signal), controller, (t) => t.split('text_delta').length > CUT_REPLY.length)
  expect(text).toContain('event: message_start')
  expect(text).toContain('event: ping')
  expect(text).not.toContain('message_stop')
  await expect.poll(() => fake.calls.at(-1)?.aborted, { timeout: 5_000 }).toBe(true)
})

it('streams a long answer a piece at a time until the client leaves', async () => {
  const controller = new AbortController()
  const text = await readUntil(await post('[fault:long-stream]', {}, controller.signal), controller, (t) => t.includes(' word5"'))
  expect(text).not.toContain('word199')
  await expect.poll(() => fake.calls.at(-1)?.aborted, { timeout: 5_000 }).toBe(true)
})

it('refuses what Anthropic refuses, in its error shape', async () => {
  const noVersion = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': fake.apiKey }, body: '{}' })
  expect([noVersion.status, await noVersion.json()]).toMatchObject([400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } }])
  const budget = await post('hi', { thinking: { type: 'enabled', budget_tokens: 2048 } })
  expect([budget.status, (await budget.json()).error.message]).toEqual([400, '`max_tokens` must be greater than `thinking.budget_tokens`'])
  const noMax = await post('hi', { max_tokens: undefined })
  expect(noMax.status).toBe(400)
  const failed = await post('[fault:500]')
  expect([failed.status, (await failed.json()).error.type]).toEqual([500, 'api_error'])
})
