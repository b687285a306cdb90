// Anthropic's Messages API on Tollgate, with the official @anthropic-ai/sdk as the client:
// through the simulator (no provider key) and through a fake OpenAI upstream (the request
// translated there and back), the answers the SDK sees and the one usage row each call leaves.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trimDecimalZeros } from '@/lib/text'
import { withClient } from '@/test/databases'
import { FAKE_REPLY, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { caught } from '@/test/anthropic'
import { canonical, createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let openai: FakeOpenAI
/** No provider key: every model is served by the simulator. */
let simulated: NextServer
/** OpenAI's models on a fake OpenAI: translated to chat completions and back. */
let hosted: NextServer
const db = () => process.env.DATABASE_URL!
const sql = (text: string, params: unknown[]) => withClient(db(), (c) => c.query(text, params))
const AUTH_SECRET = 'anthropic-messages-secret-at-least-32-characters'

beforeAll(async () => {
  openai = await startFakeOpenAI()
  ;[simulated, hosted] = await Promise.all([
    startNextServer({ DATABASE_URL: db(), AUTH_SECRET }),
    startNextServer({ DATABASE_URL: db(), AUTH_SECRET, OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url }),
  ])
})

afterAll(async () => {
  await Promise.all([simulated?.stop(), hosted?.stop()])
  await openai?.close()
})

// maxRetries 0: a test that expects a failure must see the first answer, not a retry's.
const anthropic = (server: NextServer, user: GatewayUser) => new Anthropic({ apiKey: user.key, baseURL: `${server.url}/api`, maxRetries: 0 })
/** A client that sends the key as `x-api-key`, as Anthropic's docs, earlier SDKs and tools built on them do. */
const withXApiKey = (server: NextServer, key: string) =>
  new Anthropic({ apiKey: null, authToken: null, defaultHeaders: { 'x-api-key': key }, baseURL: `${server.url}/api`, maxRetries: 0 })

/** USD for token counts at whole-dollar rates per million tokens, exactly (no floats). */
function usd(parts: [tokens: number, perMillion: number][]): string {
  const micro = parts.reduce((sum, [tokens, rate]) => sum + BigInt(tokens) * BigInt(rate), 0n)
  return trimDecimalZeros(`${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, '0')}`)
}

describe('POST /api/v1/messages through the simulator', () => {
  it('answers a Message, metered like a chat call, with Tollgate headers', async () => {
    const u = await createGatewayUser(simulated.url)
    const { data, response } = await anthropic(simulated, u)
      .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse()
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null })
    expect(data.id).toMatch(/^msg_[0-9a-f]{32}$/)
    expect(data.content).toHaveLength(1)
    expect(data.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^\[Simulated claude-sonnet-4-5\]/) })
    expect(data.usage.input_tokens).toBeGreaterThan(0)
    expect(data.usage.output_tokens).toBeGreaterThan(0)
    expect(data.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 })

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({
      request_id: response.headers.get('x-request-id'),
      service_type: 'chat',
      endpoint: '/api/v1/messages',
      provider: 'simulator',
      model: 'claude-sonnet-4-5',
      status: 'success',
      input_tokens: data.usage.input_tokens,
      output_tokens: data.usage.output_tokens,
      cost_status: 'priced',
    })
    // claude-sonnet-4-5: $3/M input, $15/M output, priced as Anthropic would though simulated.
    const cost = usd([
      [data.usage.input_tokens, 3],
      [data.usage.output_tokens, 15],
    ])
    expect(canonical(row.total_cost)).toBe(cost)
    expect(canonical(response.headers.get('x-tollgate-cost'))).toBe(cost)
    expect(response.headers.get('x-tollgate-provider')).toBe('simulator')
    expect(response.headers.get('x-ratelimit-limit-requests')).toMatch(/^\d+$/)
    expect(row.metadata).toMatchObject({ auth: 'api_key' })
    expect(row.user_agent).toMatch(/Anthropic\/JS/)
  })

  it('streams Anthropic events (messages.stream), whose final message carries the metered usage', async () => {
    const u = await createGatewayUser(simulated.url)
    const stream = anthropic(simulated, u).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Stream to me' }] })
    const events: string[] = []
    let text = ''
    stream.on('streamEvent', (event) => events.push(event.type))
    stream.on('text', (piece) => (text += piece))
    const message = await stream.finalMessage()
    expect(events[0]).toBe('message_start')
    expect(events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
    expect(events.filter((e) => e === 'content_block_delta').length).toBeGreaterThan(3)
    expect(message.content).toEqual([{ type: 'text', text }])
    expect(text).toMatch(/^\[Simulated claude-sonnet-4-5\]/)
    expect(message.stop_reason).toBe('end_turn')

    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ endpoint: '/api/v1/messages', provider: 'simulator', status: 'success', input_tokens: message.usage.input_tokens, output_tokens: message.usage.output_tokens })
    expect(canonical(row.total_cost)).toBe(usd([[message.usage.input_tokens, 3], [message.usage.output_tokens, 15]]))
    expect(row.time_to_first_token_ms).not.toBeNull()
  })

  it('takes the key as x-api-key as well as Authorization: Bearer (what this SDK sends)', async () => {
    const u = await createGatewayUser(simulated.url)
    const message = await withXApiKey(simulated, u.key).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'x-api-key' }] })
    expect(message.type).toBe('message')
    const streamed = await withXApiKey(simulated, u.key).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'x-api-key stream' }] }).finalMessage()
    expect(streamed.type).toBe('message')
    const rows = await usageRows(db(), u.id, 2)
    expect(rows.map((r) => [r.status, r.endpoint, (r.metadata as { auth: string }).auth])).toEqual([
      ['success', '/api/v1/messages', 'api_key'],
      ['success', '/api/v1/messages', 'api_key'],
    ])
    const refused = await caught(withXApiKey(simulated, `tg_${'z'.repeat(43)}`).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }))
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError)
  })

  it('refuses an invalid key in Anthropic shape (AuthenticationError), and records nothing', async () => {
    const u = await createGatewayUser(simulated.url)
    const error = await caught(
      new Anthropic({ apiKey: `tg_${'x'.repeat(43)}`, baseURL: `${simulated.url}/api`, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(/Invalid API key/) } })
    const malformed = await caught(new Anthropic({ apiKey: 'sk-ant-not-ours', baseURL: `${simulated.url}/api`, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }))
    expect(malformed).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(await usageRows(db(), u.id, 1, 500)).toEqual([])
  })

  it('answers bad requests with Anthropic-shaped 400s naming the field (BadRequestError)', async () => {
    const u = await createGatewayUser(simulated.url)
    const client = anthropic(simulated, u)
    const cases: [body: Record<string, unknown>, message: RegExp][] = [
      [{ messages: [{ role: 'user', content: 'x' }] }, /^max_tokens: is required/],
      [{ max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, /^messages\.0\.role: must be user or assistant/],
      [{ max_tokens: 500, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'x' }] }, /^thinking\.budget_tokens: .*less than max_tokens/],
      [{ max_tokens: 5, top_k: 3, messages: [{ role: 'user', content: 'x' }] }, /^top_k: is only served by Anthropic models/],
      [{ max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'd' } }] }] }, /^messages\.0\.content\.0\.type: document blocks are only served by Anthropic models/],
    ]
    for (const [body, message] of cases) {
      const error = await caught(client.messages.create({ model: 'claude-sonnet-4-5', ...body } as never))
      expect(error).toBeInstanceOf(Anthropic.BadRequestError)
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(message) } })
      expect(error.headers!.get('x-request-id')).toMatch(/^req_/)
    }
    // An unknown model is Anthropic's 404 (not_found_error), as OpenAI's edge answers 404 model_not_found.
    const unknown = await caught(client.messages.create({ model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }))
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError)
    expect(unknown.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringMatching(/no-such-model/), details: { error_code: 'model_not_found', param: 'model' } } })
  })

  it('refuses a caller over its rate with RateLimitError, in Anthropic shape with the rate headers', async () => {
    const u = await createGatewayUser(simulated.url)
    await sql('update public.api_rate_limits set requests_per_minute = 1 where user_id = $1', [u.id])
    const client = anthropic(simulated, u)
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'one' }] })
    const error = await caught(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'two' }] }))
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', details: { error_code: 'rate_limited' } } })
    expect(error.headers!.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(error.headers!.get('retry-after')).toMatch(/^\d+$/)
    const rows = await usageRows(db(), u.id, 2)
    expect(rows.map((r) => r.status)).toEqual(['success', 'rate_limited'])
    // Counting tokens is free, not unlimited: it spends the same rate, and is refused past it.
    const counting = await caught(client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'three' }] }))
    expect(counting).toBeInstanceOf(Anthropic.RateLimitError)
  })

  it('counts tokens (count_tokens) with the gateway tokenizer, says it is an estimate, and meters nothing', async () => {
    const u = await createGatewayUser(simulated.url)
    const client = anthropic(simulated, u)
    const messages = [{ role: 'user' as const, content: 'How many tokens is this?' }]
    const { data, response } = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages }).withResponse()
    expect(data.input_tokens).toBeGreaterThan(5)
    expect(response.headers.get('x-tollgate-token-count')).toBe('estimate')
    const tools = [{ name: 'weather', description: 'The weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }]
    const withTools = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages, tools, system: 'You are terse.' })
    expect(withTools.input_tokens).toBeGreaterThan(data.input_tokens + 10)
    // Counting is not a call: no row, no request of the plan spent.
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages })
    expect((await usageRows(db(), u.id, 2, 1_000)).length).toBe(1)

    const bad = await caught(client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [] }))
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError)
    expect(bad.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^messages: must contain at least one message/) } })
    const unauthenticated = await caught(new Anthropic({ apiKey: `tg_${'y'.repeat(43)}`, baseURL: `${simulated.url}/api`, maxRetries: 0 }).messages.countTokens({ model: 'claude-sonnet-4-5', messages }))
    expect(unauthenticated).toBeInstanceOf(Anthropic.AuthenticationError)
  })
})

describe('POST /api/v1/messages translated to an OpenAI upstream', () => {
  it('sends OpenAI the translated request and answers with its reply and usage in Anthropic counting', async () => {
    const u = await createGatewayUser(hosted.url)
    const { data: message, response } = await anthropic(hosted, u)
      .messages.create({
        model: 'gpt-4o',
        max_tokens: 1000,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        stop_sequences: ['END'],
        messages: [{ role: 'user', content: 'Hi [cached]' }],
      })
      .withResponse()
    // OpenAI caches prompts on its own: the hint is said to be unused, not dropped unseen.
    expect(response.headers.get('x-tollgate-ignored')).toBe('cache_control')
    expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY.join('') }])
    // 1,000 prompt tokens of which 800 cached: Anthropic counts only the 200 uncached as input.
    expect(message.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800, cache_creation_input_tokens: 0, output_tokens: 500 })
    expect(openai.calls.at(-1)!.body).toMatchObject({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi [cached]' },
      ],
      max_completion_tokens: 1000,
      stop: ['END'],
      stream: false,
    })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'openai', model: 'gpt-4o', endpoint: '/api/v1/messages', status: 'success', input_tokens: 1000, cached_tokens: 800, output_tokens: 500 })
    // gpt-4o: 200 × $2.50/M + 800 × $1.25/M + 500 × $10/M = $0.0065
    expect(canonical(row.total_cost)).toBe('0.0065')
  })

  it('streams with the whole usage in message_delta', async () => {
    const u = await createGatewayUser(hosted.url)
    const stream = anthropic(hosted, u).messages.stream({ model: 'gpt-4o', max_tokens: 1000, messages: [{ role: 'user', content: 'Stream [cached]' }] })
    const message = await stream.finalMessage()
    expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY.join('') }])
    expect(message.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800, output_tokens: 500 })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'openai', status: 'success', input_tokens: 1000, output_tokens: 500 })
    expect(canonical(row.total_cost)).toBe('0.0065')
  })

  it('records a client that leaves mid-stream as client_aborted and aborts the upstream', async () => {
    const u = await createGatewayUser(hosted.url)
    const controller = new AbortController()
    const stream = await anthropic(hosted, u).messages.create(
      { model: 'gpt-4o', max_tokens: 2000, messages: [{ role: 'user', content: 'a long story [fault:long-stream]' }], stream: true },
      { signal: controller.signal },
    )
    let deltas = 0
    try {
      for await (const event of stream) if (event.type === 'content_block_delta' && ++deltas >= 10) controller.abort()
    } catch {
      // the SDK may end the iteration or throw its abort error: either way the client is gone
    }
    const [row] = await usageRows(db(), u.id)
    // Nothing reported before the cut: Tollgate's count, so the cost is an estimate.
    expect(row).toMatchObject({ status: 'client_aborted', endpoint: '/api/v1/messages', cost_status: 'estimated' })
    expect(row.output_tokens).toBeGreaterThanOrEqual(10)
    await expect.poll(() => openai.calls.at(-1)?.aborted, { timeout: 5_000 }).toBe(true)
  })

  it('says an upstream failure in Anthropic shape: its rate limit as overloaded, a mid-stream error as an error event', async () => {
    const u = await createGatewayUser(hosted.url)
    const client = anthropic(hosted, u)
    const limited = await caught(client.messages.create({ model: 'gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'x [fault:429]' }] }))
    expect(limited).toBeInstanceOf(Anthropic.InternalServerError)
    expect(limited.status).toBe(503)
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', details: { error_code: 'upstream_rate_limited' } } })
    expect(limited.headers!.get('retry-after')).toBe('7')

    const stream = await client.messages.create({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'x [fault:stream-error]' }], stream: true })
    const failed = await caught(
      (async () => {
        for await (const event of stream) void event
      })(),
    )
    expect(failed.error).toMatchObject({ type: 'error', error: { type: 'api_error', details: { error_code: 'upstream_error' } } })
    const rows = await usageRows(db(), u.id, 2)
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['error', 'upstream_rate_limited'],
      ['error', 'upstream_error'],
    ])
  })
})
