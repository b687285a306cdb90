// Client conformance (issue 16, item 7): the three clients people point at an OpenAI-compatible
// gateway — the official `openai` SDK, the Vercel AI SDK (`ai` + `@ai-sdk/openai`, its default
// Responses model and `.chat()`) and LangChain JS (`@langchain/openai`) — each run their DEFAULT
// paths, unchanged, against `next start` with the fake OpenAI upstream behind it. Each case checks
// what the client got (text, tool arguments, parsed object, decoded vectors) equals what the fake
// sent, and the usage rows the calls left: one per upstream call, priced at the catalog's rates
// (literals from lib/pricing/data/text-prices.json, never the cost engine's output).
import { createOpenAI } from '@ai-sdk/openai'
import { tool as lcTool } from '@langchain/core/tools'
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai'
import OpenAI from 'openai'
import { embed, embedMany, generateObject, generateText, Output, stepCountIs, streamText, tool } from 'ai'
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { withClient } from '@/test/databases'
import { fakeVector } from '@/test/fakes/openai-embeddings'
import { FAKE_REPLY, JSON_REPLY, TOOL_ARGS, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { canonical, createGatewayUser, usageRows, type GatewayUser, type UsageRow } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
const db = () => process.env.DATABASE_URL!
const REPLY = FAKE_REPLY.join('')
const ANSWER = z.object({ answer: z.string() })
const WEATHER = { name: 'get_weather', description: 'The weather in a city', schema: z.object({ city: z.string() }) }

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'clients-test-secret-at-least-32-characters', OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const api = () => `${server.url}/api/v1`
/** A fresh caller per case, so that its rows are exactly the case's. */
const caller = () => createGatewayUser(server.url)
const aiSdk = (u: GatewayUser) => createOpenAI({ baseURL: api(), apiKey: u.key })
const langchain = (u: GatewayUser, extra: Partial<ConstructorParameters<typeof ChatOpenAI>[0] & object> = {}) =>
  new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: u.key, configuration: { baseURL: api() }, ...extra })

/** The caller's rows once `count` exist — and no more than that: one row per upstream call. */
async function rowsOf(u: GatewayUser, count: number): Promise<UsageRow[]> {
  const rows = await usageRows(db(), u.id, count)
  expect(rows).toHaveLength(count)
  return rows
}

/**
 * A chat call the fake answered with its fixed usage: 1,000 prompt and 500 completion tokens of
 * gpt-4o-mini ($0.15/M input, $0.60/M output): 1,000 × 0.15/M = $0.00015, 500 × 0.60/M = $0.0003.
 */
function expectChatRow(row: UsageRow, endpoint = '/api/v1/chat/completions') {
  expect(row).toMatchObject({
    service_type: 'chat',
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint,
    status: 'success',
    error_code: null,
    input_tokens: 1000,
    output_tokens: 500,
    cached_tokens: 0,
    cost_status: 'priced',
  })
  expect(canonical(row.input_cost)).toBe('0.00015')
  expect(canonical(row.output_cost)).toBe('0.0003')
  expect(canonical(row.total_cost)).toBe('0.00045')
}
const lastBody = () => upstream.calls.at(-1)!.body

describe('openai SDK: chat completions', () => {
  it('create: the reply and one priced row', async () => {
    const u = await caller()
    const completion = await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
    expect(completion.choices[0].message.content).toBe(REPLY)
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('stream with include_usage: the reply in pieces, then the usage chunk', async () => {
    const u = await caller()
    const stream = await u.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(REPLY)
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('tools: two parallel calls with their arguments', async () => {
    const u = await caller()
    const completion = await u.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome? [tool]' }],
      tools: [{ type: 'function', function: { name: WEATHER.name, description: WEATHER.description, parameters: z.toJSONSchema(WEATHER.schema) } }],
    })
    const [choice] = completion.choices
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.tool_calls!.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual(TOOL_ARGS.map((a) => [WEATHER.name, a]))
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('structured output: chat.completions.parse with zodResponseFormat', async () => {
    const u = await caller()
    const completion = await u.client.chat.completions.parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer [json]' }], response_format: zodResponseFormat(ANSWER, 'answer') })
    expect(completion.choices[0].message.parsed).toEqual(JSON.parse(JSON_REPLY))
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('rate-limited: the SDK (default retries) waits once as Retry-After says, then succeeds', async () => {
    const u = await caller()
    // 1 request a minute, spent 53 s ago: the next call is refused and may go ~7 s later (a
    // wide margin, so that a slow machine still sends it inside the window; not the full minute,
    // which would cost the suite a minute).
    await withClient(db(), (c) =>
      c.query(
        `insert into public.api_rate_limits (user_id, service_type, requests_per_minute, window_seconds, window_counts)
         values ($1, 'chat', 1, array[floor(extract(epoch from clock_timestamp())) - 53]::bigint[], '{1}')
         on conflict (user_id, service_type) do update set requests_per_minute = 1, window_seconds = excluded.window_seconds, window_counts = excluded.window_counts`,
        [u.id],
      ),
    )
    const calls = upstream.calls.length
    const client = new OpenAI({ apiKey: u.key, baseURL: api() })
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
    expect(completion.choices[0].message.content).toBe(REPLY)
    expect(upstream.calls.length - calls).toBe(1)
    const [refused, served] = await rowsOf(u, 2)
    expect(refused).toMatchObject({ service_type: 'chat', status: 'rate_limited', error_code: 'rate_limited', input_tokens: 0, output_tokens: 0 })
    expect(canonical(refused.total_cost)).toBe('0')
    expectChatRow(served)
  })
})

describe('Vercel AI SDK: .chat() models (chat completions)', () => {
  it('generateText', async () => {
    const u = await caller()
    const result = await generateText({ model: aiSdk(u).chat('gpt-4o-mini'), prompt: 'Hi' })
    expect(result.text).toBe(REPLY)
    expect(result.usage).toMatchObject({ inputTokens: 1000, outputTokens: 500 })
    expect(upstream.calls.at(-1)!.path).toBe('/chat/completions')
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('streamText', async () => {
    const u = await caller()
    const result = streamText({ model: aiSdk(u).chat('gpt-4o-mini'), prompt: 'Hi' })
    let text = ''
    for await (const piece of result.textStream) text += piece
    expect(text).toBe(REPLY)
    expect(await result.usage).toMatchObject({ inputTokens: 1000, outputTokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('tools with execute, two steps: the calls run, their results go back, the model answers', async () => {
    const u = await caller()
    const ran: unknown[] = []
    const result = await generateText({
      model: aiSdk(u).chat('gpt-4o-mini'),
      prompt: 'Weather in Paris and Rome? [tool]',
      tools: { [WEATHER.name]: tool({ description: WEATHER.description, inputSchema: WEATHER.schema, execute: async (input) => (ran.push(input), { temp: ran.length }) }) },
      stopWhen: stepCountIs(2),
    })
    expect(result.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual(TOOL_ARGS.map((a) => [WEATHER.name, a]))
    expect(ran).toEqual(TOOL_ARGS)
    expect(result.text).toBe(REPLY)
    // The second request carried both results, matched to their calls.
    const results = (lastBody().messages as { role: string; tool_call_id?: string; content?: unknown }[]).filter((m) => m.role === 'tool')
    expect(results.map((m) => [m.tool_call_id, JSON.parse(String(m.content))])).toEqual([['call_fake1', { temp: 1 }], ['call_fake2', { temp: 2 }]])
    for (const row of await rowsOf(u, 2)) expectChatRow(row)
  })

  it('generateObject with a zod schema', async () => {
    const u = await caller()
    const { object } = await generateObject({ model: aiSdk(u).chat('gpt-4o-mini'), schema: ANSWER, prompt: 'Answer [json]' })
    expect(object).toEqual(JSON.parse(JSON_REPLY))
    expectChatRow((await rowsOf(u, 1))[0])
  })
})

describe('LangChain JS: ChatOpenAI (chat completions)', () => {
  it('invoke', async () => {
    const u = await caller()
    const message = await langchain(u).invoke('Hi')
    expect(message.content).toBe(REPLY)
    expect(message.usage_metadata).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expect(upstream.calls.at(-1)!.path).toBe('/chat/completions')
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('stream', async () => {
    const u = await caller()
    const chunks = []
    for await (const chunk of await langchain(u).stream('Hi')) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(1)
    const whole = chunks.reduce((a, b) => a.concat(b))
    expect(whole.content).toBe(REPLY)
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('bindTools: the tool calls with their arguments', async () => {
    const u = await caller()
    const weather = lcTool(async ({ city }) => `sunny in ${city}`, WEATHER)
    const message = await langchain(u).bindTools([weather]).invoke('Weather in Paris and Rome? [tool]')
    expect(message.tool_calls!.map((c) => [c.name, c.args, c.id])).toEqual(TOOL_ARGS.map((a, i) => [WEATHER.name, a, `call_fake${i + 1}`]))
    expectChatRow((await rowsOf(u, 1))[0])
  })

  it('withStructuredOutput(zod)', async () => {
    const u = await caller()
    const answer = await langchain(u).withStructuredOutput(ANSWER).invoke('Answer [json]')
    expect(answer).toEqual(JSON.parse(JSON_REPLY))
    expectChatRow((await rowsOf(u, 1))[0])
  })
})

// The Responses API (POST /api/v1/responses) is the Vercel AI SDK's default, LangChain's with
// useResponsesApi, and the openai SDK's responses.*.
// The fake answers them with the same reply and usage as chat (test/fakes/openai-responses.ts):
// [tool] → ONE function_call of the first tool with TOOL_ARGS[0]; [json] → JSON_REPLY.
const RESPONSES = '/api/v1/responses'
const weatherFunction = { type: 'function' as const, name: WEATHER.name, description: WEATHER.description, parameters: z.toJSONSchema(WEATHER.schema) as Record<string, unknown>, strict: false }

describe('Responses API: openai SDK, Vercel AI SDK default models, LangChain useResponsesApi', () => {
  it('openai SDK responses.create: output_text and usage', async () => {
    const u = await caller()
    const response = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', instructions: 'Be brief.' })
    expect(response.output_text).toBe(REPLY)
    expect(response.usage).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expect(upstream.calls.at(-1)!.path).toBe('/responses')
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('openai SDK responses.create stream: the text deltas, then response.completed with usage', async () => {
    const u = await caller()
    const stream = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true })
    const events = []
    for await (const event of stream) events.push(event)
    expect(events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('')).toBe(REPLY)
    const last = events.at(-1)!
    expect(last.type).toBe('response.completed')
    expect(last.type === 'response.completed' && last.response.usage).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('openai SDK responses.create with a function tool: the function_call and its arguments', async () => {
    const u = await caller()
    const response = await u.client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Paris? [tool]', tools: [weatherFunction] })
    const calls = response.output.filter((item) => item.type === 'function_call')
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([[WEATHER.name, TOOL_ARGS[0]]])
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('openai SDK responses.parse with text.format (zodTextFormat)', async () => {
    const u = await caller()
    const response = await u.client.responses.parse({ model: 'gpt-4o-mini', input: 'Answer [json]', text: { format: zodTextFormat(ANSWER, 'answer') } })
    expect(response.output_parsed).toEqual(JSON.parse(JSON_REPLY))
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('AI SDK default model generateText', async () => {
    const u = await caller()
    const result = await generateText({ model: aiSdk(u)('gpt-4o-mini'), prompt: 'Hi' })
    expect(result.text).toBe(REPLY)
    expect(result.usage).toMatchObject({ inputTokens: 1000, outputTokens: 500 })
    expect(upstream.calls.at(-1)!.path).toBe('/responses')
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('AI SDK default model streamText', async () => {
    const u = await caller()
    const result = streamText({ model: aiSdk(u)('gpt-4o-mini'), prompt: 'Hi' })
    let text = ''
    for await (const piece of result.textStream) text += piece
    expect(text).toBe(REPLY)
    expect(await result.usage).toMatchObject({ inputTokens: 1000, outputTokens: 500 })
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })

  it('AI SDK default model tools with execute, two steps', async () => {
    const u = await caller()
    const ran: unknown[] = []
    const result = await generateText({
      model: aiSdk(u)('gpt-4o-mini'),
      prompt: 'Weather in Paris? [tool]',
      tools: { [WEATHER.name]: tool({ description: WEATHER.description, inputSchema: WEATHER.schema, execute: async (input) => (ran.push(input), { temp: 21 }) }) },
      stopWhen: stepCountIs(2),
    })
    expect(result.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual([[WEATHER.name, TOOL_ARGS[0]]])
    expect(ran).toEqual([TOOL_ARGS[0]])
    expect(result.text).toBe(REPLY)
    // The second request carried the result, matched to its call.
    const outputs = (lastBody().input as { type?: string; call_id?: string; output?: unknown }[]).filter((i) => i.type === 'function_call_output')
    expect(outputs.map((i) => [i.call_id, JSON.parse(String(i.output))])).toEqual([[expect.stringMatching(/^call_fake\d+$/), { temp: 21 }]])
    for (const row of await rowsOf(u, 2)) expectChatRow(row, RESPONSES)
  })

  it('AI SDK default model structured output: generateObject, and generateText with Output.object (its successor in ai 7)', async () => {
    const u = await caller()
    const { object } = await generateObject({ model: aiSdk(u)('gpt-4o-mini'), schema: ANSWER, prompt: 'Answer [json]' })
    expect(object).toEqual(JSON.parse(JSON_REPLY))
    const { output } = await generateText({ model: aiSdk(u)('gpt-4o-mini'), output: Output.object({ schema: ANSWER }), prompt: 'Answer [json]' })
    expect(output).toEqual(JSON.parse(JSON_REPLY))
    for (const row of await rowsOf(u, 2)) expectChatRow(row, RESPONSES)
  })

  it('LangChain ChatOpenAI useResponsesApi invoke', async () => {
    const u = await caller()
    const message = await langchain(u, { useResponsesApi: true }).invoke('Hi')
    expect(message.text).toBe(REPLY)
    expect(message.usage_metadata).toMatchObject({ input_tokens: 1000, output_tokens: 500 })
    expect(upstream.calls.at(-1)!.path).toBe('/responses')
    expectChatRow((await rowsOf(u, 1))[0], RESPONSES)
  })
})

// Embeddings (POST /api/v1/embeddings). The fake's vector for
// an input is fakeVector(input, 1536) and its usage counts the inputs with cl100k, as OpenAI
// does: "Hello world" is 2 tokens, "The cat sat on the mat" 6, "Tollgate meters every call" 6.
// text-embedding-3-small costs $0.02/M input tokens: 2 → $0.00000004, 6 → $0.00000012, 8 → $0.00000016.
const DOCS = ['Hello world', 'The cat sat on the mat']
const vectorsOf = (inputs: string[]) => inputs.map((input) => fakeVector(input, 1536))

function expectEmbeddingRow(row: UsageRow, tokens: number, cost: string) {
  expect(row).toMatchObject({
    service_type: 'embedding',
    provider: 'openai',
    model: 'text-embedding-3-small',
    endpoint: '/api/v1/embeddings',
    status: 'success',
    error_code: null,
    input_tokens: tokens,
    output_tokens: 0,
    cost_status: 'priced',
  })
  expect(canonical(row.input_cost)).toBe(cost)
  expect(canonical(row.total_cost)).toBe(cost)
}

describe('Embeddings: openai SDK, Vercel AI SDK embed/embedMany, LangChain OpenAIEmbeddings', () => {
  it('openai SDK embeddings.create (base64 by default): the client decodes the fake\'s floats', async () => {
    const u = await caller()
    const result = await u.client.embeddings.create({ model: 'text-embedding-3-small', input: DOCS })
    expect(upstream.calls.at(-1)!.body.encoding_format).toBe('base64')
    expect(result.data.map((d) => d.embedding)).toEqual(vectorsOf(DOCS))
    expect(result.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 })
    expectEmbeddingRow((await rowsOf(u, 1))[0], 8, '0.00000016')
  })

  it('AI SDK embed and embedMany: one call each', async () => {
    const u = await caller()
    const model = aiSdk(u).embedding('text-embedding-3-small')
    const one = await embed({ model, value: DOCS[0] })
    expect(one.embedding).toEqual(fakeVector(DOCS[0], 1536))
    expect(one.usage).toEqual({ tokens: 2 })
    const many = await embedMany({ model, values: DOCS })
    expect(many.embeddings).toEqual(vectorsOf(DOCS))
    expect(many.usage).toEqual({ tokens: 8 })
    const [first, second] = await rowsOf(u, 2)
    expectEmbeddingRow(first, 2, '0.00000004')
    expectEmbeddingRow(second, 8, '0.00000016')
  })

  it('LangChain embedQuery and embedDocuments: one call each', async () => {
    const u = await caller()
    const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: u.key, configuration: { baseURL: api() } })
    expect(await embeddings.embedQuery('Tollgate meters every call')).toEqual(fakeVector('Tollgate meters every call', 1536))
    expect(await embeddings.embedDocuments(DOCS)).toEqual(vectorsOf(DOCS))
    const [query, documents] = await rowsOf(u, 2)
    expectEmbeddingRow(query, 6, '0.00000012')
    expectEmbeddingRow(documents, 8, '0.00000016')
  })
})
