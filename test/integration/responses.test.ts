// /api/v1/responses with the official `openai` client's `client.responses.*`, against one real
// Next server whose OpenAI, Anthropic and Gemini providers point at their fakes (as
// conformance.test.ts wires them): OpenAI's models forwarded natively (plain, streamed, tools,
// structured output, stored responses reachable only by their owner, built-in tools priced or
// refused), Claude and Gemini translated through the chat adapters. Every call's row is checked
// against the vendors' published rates (literals, never the engine's output).
import { APIError } from 'openai'
import type { ResponseStreamEvent } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY as CLAUDE_REPLY } from '@/test/fakes/anthropic'
import { FAKE_REPLY as OPENAI_REPLY, JSON_REPLY } from '@/test/fakes/openai'
import { closeFakes, fakeEnv, rowOf, SCHEMA, startFakes, type Fakes } from '@/test/conformance'
import { canonical, createGatewayUser, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { withClient } from '@/test/databases'

let fakes: Fakes
let server: NextServer
let u: GatewayUser
const db = () => process.env.DATABASE_URL!
const WEATHER = { type: 'function' as const, name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }

beforeAll(async () => {
  fakes = await startFakes()
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'responses-secret-at-least-32-characters', UPSTREAM_TIMEOUT_MS: '3000', ...fakeEnv(fakes) })
  u = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await closeFakes(fakes)
})

const responsesCalls = () => fakes.openai.calls.filter((c) => c.path.startsWith('/responses'))
const caught = async (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a refusal') }, (error: unknown) => error as APIError)

describe('OpenAI models, forwarded to the Responses API', () => {
  it('plain: the answer as OpenAI sent it, one row priced from its usage; the stored response is the caller’s alone', async () => {
    const { data, response } = await u.client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hi', max_output_tokens: 1000 }).withResponse()
    expect(data).toMatchObject({ object: 'response', status: 'completed', store: true })
    expect(data.output_text).toBe(OPENAI_REPLY.join(''))
    expect(responsesCalls().at(-1)).toMatchObject({ path: '/responses', body: { model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hi', max_output_tokens: 1000 } })
    expect(responsesCalls().at(-1)!.body).not.toHaveProperty('campaign')
    const row = await rowOf(db(), u.id, response.headers.get('x-request-id'))
    expect(row).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', endpoint: '/api/v1/responses', service_type: 'chat', status: 'success', input_tokens: 1000, output_tokens: 500, cost_status: 'priced' })
    // gpt-4o-mini: 1,000 × $0.15/M + 500 × $0.60/M.
    expect(canonical(row.total_cost)).toBe('0.00045')

    // Remembered as the caller's, with its size: all 1,500 tokens are input again for a turn continuing it (held at admission).
    const stored = await withClient(db(), async (c) => (await c.query('select user_id::text, context_tokens from public.stored_responses where id = $1', [data.id])).rows)
    expect(stored).toEqual([{ user_id: u.id, context_tokens: 1500 }])

    // The owner reads it back; anyone else, or an unknown id, gets OpenAI's 404, and nothing reaches OpenAI.
    expect(await u.client.responses.retrieve(data.id)).toMatchObject({ id: data.id, output: data.output })
    const other = await createGatewayUser(server.url)
    const before = responsesCalls().length
    expect(await caught(other.client.responses.retrieve(data.id))).toMatchObject({ status: 404 })
    expect(await caught(other.client.responses.delete(data.id))).toMatchObject({ status: 404 })
    expect(await caught(u.client.responses.retrieve('resp_unknown'))).toMatchObject({ status: 404 })
    // Chaining on another caller's response is refused as OpenAI refuses an unknown one.
    const chained = await caught(other.client.responses.create({ model: 'gpt-4o-mini', input: 'Go on', previous_response_id: data.id }))
    expect(chained).toMatchObject({ status: 404, param: 'previous_response_id' })
    expect(responsesCalls().length).toBe(before)
    const refusedRow = await rowOf(db(), other.id, chained.requestID)
    expect(refusedRow).toMatchObject({ status: 'error', error_code: 'not_found', total_cost: '0.000000000000' })

    // The owner chains on it, then deletes it.
    const next = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Go on', previous_response_id: data.id, store: false })
    expect(next).toMatchObject({ previous_response_id: data.id, store: false })
    await u.client.responses.delete(data.id)
    expect(await caught(u.client.responses.retrieve(data.id))).toMatchObject({ status: 404 })
  })

  it('streamed: every semantic event passed through in order, usage (cached, reasoning) from response.completed', async () => {
    const { data: stream, response } = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Think [reasoning] [cached]', reasoning: { effort: 'low' }, stream: true }).withResponse()
    const events: ResponseStreamEvent[] = []
    for await (const event of stream) events.push(event)
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      ...OPENAI_REPLY.map(() => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    // The gateway chose the output cap (none was given) and sent it, so OpenAI cannot bill past the hold.
    expect(responsesCalls().at(-1)!.body).toMatchObject({ stream: true, reasoning: { effort: 'low' }, max_output_tokens: 16384 })
    const row = await rowOf(db(), u.id, response.headers.get('x-request-id'))
    expect(row).toMatchObject({ status: 'success', input_tokens: 1000, cached_tokens: 800, output_tokens: 500, reasoning_tokens: 100 })
    // 200 × $0.15/M + 800 × $0.075/M (cached) + 500 × $0.60/M.
    expect(canonical(row.total_cost)).toBe('0.00039')
  })

  it('function tools (flat) and structured output pass through', async () => {
    const called = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Weather? [tool]', tools: [WEATHER] })
    expect(called.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', call_id: expect.any(String), arguments: '{"city":"Paris"}' })])
    expect(responsesCalls().at(-1)!.body.tools).toEqual([WEATHER])
    const json = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Answer [json]', text: { format: { type: 'json_schema', name: 'answer', schema: SCHEMA, strict: true } } })
    expect(JSON.parse(json.output_text)).toEqual(JSON.parse(JSON_REPLY))
  })

  it('a built-in web search is billed per call on top of the tokens; one it cannot price is refused before OpenAI is called', async () => {
    const { data, response } = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'News [web-search]', tools: [{ type: 'web_search' }] }).withResponse()
    expect(data.output.map((o) => o.type)).toEqual(['web_search_call', 'message'])
    // The allowance admission held is the cap OpenAI is given.
    expect(responsesCalls().at(-1)!.body).toMatchObject({ max_tool_calls: 10 })
    const row = await rowOf(db(), u.id, response.headers.get('x-request-id'))
    // Tokens $0.00045 + one web search at $10 / 1,000 calls.
    expect(canonical(row.generation_cost)).toBe('0.01')
    expect(canonical(row.total_cost)).toBe('0.01045')
    expect(row.price_snapshot).toMatchObject({ tools: [{ tool: 'web_search', unit: 'call', quantity: 1, price: '0.01', cost: '0.01' }] })

    const before = responsesCalls().length
    const refused = await caught(u.client.responses.create({ model: 'gpt-4o-mini', input: 'Draw', tools: [{ type: 'image_generation' }] }))
    expect(refused).toMatchObject({ status: 400, param: 'tools.0.type' })
    expect(refused.message).toContain('image_generation')
    expect(responsesCalls().length).toBe(before)
    expect(await rowOf(db(), u.id, refused.requestID)).toMatchObject({ status: 'error', error_code: 'invalid_request', total_cost: '0.000000000000' })
  })

  it('holds what each built-in tool use re-bills as input (the context again and the tool\'s content), so a hard budget cannot be passed through tool turns', async () => {
    const capped = await createGatewayUser(server.url)
    // Tool fee $0.01 + prompt and 100 output tokens ≈ $0.01006 fit $0.0105; one tool turn's
    // ≥ 8,100 input tokens more ($0.0012 at gpt-4o-mini's $0.15/M) do not.
    await withClient(db(), (c) => c.query(`update public.user_subscriptions set monthly_cost_budget = 0.0105, enforcement_mode = 'hard' where user_id = $1`, [capped.id]))
    const before = responsesCalls().length
    const refused = await caught(capped.client.responses.create({ model: 'gpt-4o-mini', input: 'News [web-search]', tools: [{ type: 'web_search' }], max_tool_calls: 1, max_output_tokens: 100 } as never))
    expect(refused).toMatchObject({ status: 429, code: 'usage_limit_exceeded' })
    expect((refused.error as { limit_name?: string }).limit_name).toBe('monthly_cost_budget')
    expect(responsesCalls().length).toBe(before)
  })
})

describe('Claude and Gemini, translated through the chat adapters', () => {
  it('Claude streamed: Responses events from Anthropic’s stream, store false, priced at Anthropic’s rates', async () => {
    const { data: stream, response } = await u.client.responses.create({ model: 'claude-sonnet-4-5', instructions: 'Be brief.', input: 'Hi', max_output_tokens: 1000, stream: true }).withResponse()
    const events: ResponseStreamEvent[] = []
    for await (const event of stream) events.push(event)
    expect(events[0].type).toBe('response.created')
    const done = events.at(-1)!
    expect(done.type).toBe('response.completed')
    const final = (done as unknown as { response: { store: boolean; output: { type: string; content: { text: string }[] }[]; usage: unknown } }).response
    expect(final.store).toBe(false)
    expect(final.output[0].content[0].text).toBe(CLAUDE_REPLY.join(''))
    expect(final.usage).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expect(fakes.anthropic.calls.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 1000, stream: true, system: [{ type: 'text', text: 'Be brief.' }] })
    const row = await rowOf(db(), u.id, response.headers.get('x-request-id'))
    expect(row).toMatchObject({ provider: 'anthropic', status: 'success', input_tokens: 1000, output_tokens: 500 })
    // 1,000 × $3/M + 500 × $15/M.
    expect(canonical(row.total_cost)).toBe('0.0105')
  })

  it('Gemini tools: function_call items with call ids, and their outputs replayed; built-in tools and previous_response_id refused by name', async () => {
    const first = await u.client.responses.create({ model: 'gemini-2.5-flash', input: 'Weather in Paris and Rome? [tool]', tools: [WEATHER], max_output_tokens: 1000 })
    const calls = first.output.filter((o) => o.type === 'function_call')
    expect(calls).toHaveLength(2)
    expect(calls.map((c) => c.arguments)).toEqual(['{"city":"Paris"}', '{"city":"Rome"}'])
    const second = await u.client.responses.create({
      model: 'gemini-2.5-flash',
      input: [{ role: 'user', content: 'Weather in Paris and Rome?' }, ...calls, ...calls.map((c, i) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: `{"temp":${20 + i}}` }))],
      tools: [WEATHER],
      max_output_tokens: 1000,
    })
    expect(second.output_text.length).toBeGreaterThan(0)
    const sent = fakes.gemini.calls.at(-1)!.body as { contents: { role: string; parts: Record<string, unknown>[] }[] }
    expect(sent.contents.map((c) => c.role)).toEqual(['user', 'model', 'user'])
    expect(sent.contents[2].parts).toHaveLength(2)

    const refusedTool = await caught(u.client.responses.create({ model: 'gemini-2.5-flash', input: 'News', tools: [{ type: 'web_search' }] }))
    expect(refusedTool).toMatchObject({ status: 400, param: 'tools.0.type' })
    const refusedChain = await caught(u.client.responses.create({ model: 'claude-sonnet-4-5', input: 'Go on', previous_response_id: first.id }))
    expect(refusedChain).toMatchObject({ status: 400, param: 'previous_response_id' })
  })

  it('a provider without a key is served by the simulator, offline, through the same translation', async () => {
    const { data, response } = await u.client.responses.create({ model: 'deepseek-chat', input: 'Hi', max_output_tokens: 200 }).withResponse()
    expect(data).toMatchObject({ object: 'response', status: 'completed', store: false })
    expect(data.output_text).toMatch(/^\[Simulated deepseek-chat\]/)
    expect(await rowOf(db(), u.id, response.headers.get('x-request-id'))).toMatchObject({ provider: 'simulator', status: 'success', cost_status: 'priced' })
  })
})

describe('faults', () => {
  it('an OpenAI stream that fails mid-way ends with OpenAI\'s error event, and one error row for what was streamed', async () => {
    const { data: stream, response } = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Hi [fault:stream-error]', stream: true }).withResponse()
    const events: ResponseStreamEvent[] = []
    for await (const event of stream) events.push(event)
    expect(events.map((e) => e.type)).toContain('response.output_text.delta')
    expect(events.map((e) => e.type)).not.toContain('response.completed')
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_error', sequence_number: events.length - 1 })
    const row = await rowOf(db(), u.id, response.headers.get('x-request-id'))
    expect(row).toMatchObject({ status: 'error', error_code: 'upstream_error', cost_status: 'priced' })
    expect(row.metadata).toMatchObject({ usage_source: 'counted' })
    expect(row.output_tokens).toBeGreaterThan(0)
  })
})
