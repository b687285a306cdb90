// One conformance suite for every chat protocol (openai, anthropic, gemini): the same cases run
// through each adapter via ONE real Next server, with the official `openai` SDK as the client
// and a fake of each vendor upstream (test/conformance.ts says what each vendor must receive).
// Cases: plain; streamed (with and without usage); reasoning; sampling and stop; a field with no
// equivalent; n; the default cap; max tokens; streams the vendor cuts or stalls; tools (parallel
// calls, results sent back, named tool_choice, streamed); structured output; images in; abort
// mid-stream; upstream 429 and 500. Each checks what the client gets, what the vendor received
// in its own wire shape, and the one usage row the call leaves, priced at the vendor's rates
// (literals from lib/pricing/data/text-prices.json, never the engine's output). Then the issue's
// "Done when" (one key, three vendors, cache and reasoning tokens), and fallback across protocols.
import { APIError } from 'openai'
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream'
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeFakes, costAt, fakeEnv, readStream, IMAGE_URL, PNG, protocolCases, RESULTS, rowOf, SCHEMA, startFakes, WEATHER_TOOL, type Fakes } from '@/test/conformance'
import { canonical, createGatewayUser, holdsOf, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let fakes: Fakes
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  fakes = await startFakes()
  // A short upstream timeout (silence between chunks), so that a stalled vendor is given up on
  // quickly, yet far above the fakes' 5–40 ms between chunks on a busy machine.
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'conformance-secret-at-least-32-characters', UPSTREAM_TIMEOUT_MS: '3000', ...fakeEnv(fakes) })
})

afterAll(async () => {
  await server?.stop()
  await closeFakes(fakes)
})

const PROTOCOLS = protocolCases(() => fakes)
const requestId = (response: Response) => response.headers.get('x-request-id')

describe.each(PROTOCOLS.map((p) => [p.protocol, p.model, p] as const))('%s protocol (%s)', (_protocol, _model, p) => {
  let u: GatewayUser
  beforeAll(async () => {
    u = await createGatewayUser(server.url)
  })
  /** Every call's request id, to check at the end that each left exactly one row. */
  const made: string[] = []
  const row = (id: string | null | undefined) => {
    made.push(id!)
    return rowOf(db(), u.id, id)
  }
  /** A refusal before any upstream call: 400 naming `param`, an error row charging nothing. */
  const expectRefused = async (error: unknown, param: string) => {
    expect(error).toBeInstanceOf(APIError)
    expect(error).toMatchObject({ status: 400, param, type: 'invalid_request_error' })
    expect(await row((error as APIError).requestID)).toMatchObject({ provider: p.provider, status: 'error', error_code: 'invalid_request', total_cost: '0.000000000000' })
  }
  const lastBody = () => p.calls().at(-1)!.body
  /** The row of a call the vendor answered with its default usage (1,000 prompt / 500 output tokens). */
  const expectBaseRow = async (id: string | null) => {
    const r = await row(id)
    expect(r).toMatchObject({
      provider: p.provider,
      model: p.model,
      status: 'success',
      error_code: null,
      input_tokens: 1000,
      output_tokens: 500,
      cached_tokens: 0,
      reasoning_tokens: 0,
      cost_status: 'priced',
    })
    expect(canonical(r.total_cost)).toBe(p.baseCost)
  }

  it('plain: the reply, OpenAI usage, one priced row', async () => {
    const { data, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_tokens: 1000 })
      .withResponse()
    expect(data).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: p.reply }, finish_reason: 'stop' }] })
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 })
    expect(response.headers.get('x-tollgate-provider')).toBe(p.provider)
    expect(canonical(response.headers.get('x-tollgate-cost'))).toBe(p.baseCost)
    p.expectPlain(lastBody())
    await expectBaseRow(requestId(response))
  })

  it('streamed with include_usage: role first, the reply, finish_reason stop, then one usage-only chunk', async () => {
    const { data: stream, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Stream please' }], max_tokens: 1000, stream: true, stream_options: { include_usage: true } })
      .withResponse()
    const { chunks, text, thrown } = await readStream(stream)
    expect(thrown).toBeUndefined()
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    expect(text).toBe(p.reply)
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean)).toEqual(['stop'])
    const usageChunks = chunks.filter((c) => c.usage)
    expect(usageChunks).toHaveLength(1)
    expect(usageChunks[0]).toBe(chunks.at(-1))
    expect(usageChunks[0].choices).toEqual([])
    expect(usageChunks[0].usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 })
    expect(p.asksStream(p.calls().at(-1)!)).toBe(true)
    // The usage chunk also says what the call cost (the stream's headers left before it was known).
    expect(canonical((usageChunks[0].usage as unknown as { cost: string }).cost)).toBe(p.baseCost)
    await expectBaseRow(requestId(response))
  })

  it('no max_tokens: the gateway\'s cap reaches the vendor in its own field (Anthropic requires one)', async () => {
    const { response } = await u.client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content: 'Hi' }] }).withResponse()
    const cap = p.capOf(lastBody())
    expect(cap).toBe(p.defaultCap)
    expect(cap).toBeLessThanOrEqual(p.outputLimit)
    expect(response.headers.get('x-tollgate-max-completion-tokens')).toBe(String(p.defaultCap))
    await expectBaseRow(requestId(response))
  })

  it('sampling and stop sequences reach the vendor under its own names', async () => {
    const { response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1000, temperature: 0.5, top_p: 0.9, stop: ['END'] })
      .withResponse()
    p.expectSampling(lastBody())
    await expectBaseRow(requestId(response))
  })

  it(`a field the vendor has no equivalent for (logprobs) is ${p.logprobs}`, async () => {
    const before = p.calls().length
    const asked = u.client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1000, logprobs: true })
    if (p.logprobs === 'forwarded') {
      await expectBaseRow(requestId((await asked.withResponse()).response))
      expect(p.calls().at(-1)!.body.logprobs).toBe(true)
      return
    }
    await expectRefused(await asked.catch((e: unknown) => e), 'logprobs')
    expect(p.calls().length).toBe(before)
  })

  it.each([false, true])('reasoning (stream: %s): asked the vendor\'s way, thinking as reasoning_content, reasoning tokens billed once', async (stream) => {
    const body = { model: p.model, messages: [{ role: 'user' as const, content: 'Think [reasoning]' }], reasoning_effort: 'low' as const, max_completion_tokens: 4000 }
    let reasoning = ''
    let content = ''
    let id: string | null
    if (stream) {
      const { data, response } = await u.client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }).withResponse()
      id = requestId(response)
      const read = await readStream(data)
      ;({ reasoning, text: content } = read)
      // The thinking comes before the answer, as the model wrote it.
      const says = (key: string) => read.chunks.map((c) => Boolean((c.choices[0]?.delta as Record<string, unknown> | undefined)?.[key]))
      expect(says('reasoning_content').lastIndexOf(true)).toBeLessThan(says('content').indexOf(true))
      expect(read.chunks.at(-1)!.usage).toMatchObject({ completion_tokens: p.reasoning.output, completion_tokens_details: { reasoning_tokens: 100 } })
    } else {
      const { data, response } = await u.client.chat.completions.create(body).withResponse()
      id = requestId(response)
      const message = data.choices[0].message as { content: string | null; reasoning_content?: string }
      reasoning = message.reasoning_content ?? ''
      content = message.content ?? ''
      expect(data.usage).toMatchObject({ completion_tokens: p.reasoning.output, completion_tokens_details: { reasoning_tokens: 100 } })
    }
    expect(content).toBe(p.reply)
    expect(reasoning).toBe(p.reasoning.text)
    p.reasoning.expectAsked(lastBody())
    const r = await row(id)
    expect(r).toMatchObject({ provider: p.provider, status: 'success', input_tokens: 1000, output_tokens: p.reasoning.output, reasoning_tokens: 100 })
    expect(canonical(r.total_cost)).toBe(p.reasoning.cost)
  })

  it.each([false, true])(`n: 2 (stream: %s) is ${p.twoChoices === 'refused' ? 'refused naming n' : 'two choices, both billed'}`, async (stream) => {
    const body = { model: p.model, messages: [{ role: 'user' as const, content: 'Two takes' }], max_tokens: 1000, n: 2 }
    if (p.twoChoices === 'refused') {
      await expectRefused(await u.client.chat.completions.create({ ...body, stream }).catch((e: unknown) => e), 'n')
      return
    }
    const texts = ['', '']
    let id: string | null
    if (stream) {
      const { data, response } = await u.client.chat.completions.create({ ...body, stream: true }).withResponse()
      id = requestId(response)
      const finished: number[] = []
      for await (const chunk of data)
        for (const choice of chunk.choices) {
          texts[choice.index] += choice.delta.content ?? ''
          if (choice.finish_reason) finished.push(choice.index)
        }
      expect(finished.sort()).toEqual([0, 1])
    } else {
      const { data, response } = await u.client.chat.completions.create(body).withResponse()
      id = requestId(response)
      expect(data.choices.map((c) => c.index)).toEqual([0, 1])
      data.choices.forEach((c) => (texts[c.index] = c.message.content ?? ''))
      expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 1000 })
    }
    expect(texts).toEqual([p.reply, p.reply])
    const r = await row(id)
    expect(r).toMatchObject({ provider: p.provider, status: 'success', input_tokens: 1000, output_tokens: 1000 })
    expect(canonical(r.total_cost)).toBe(p.twoChoices.cost)
  })

  it('streamed without include_usage: no usage chunk reaches the client, the row still has the vendor\'s usage', async () => {
    const { data: stream, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Quiet stream' }], max_tokens: 1000, stream: true })
      .withResponse()
    const { chunks, text } = await readStream(stream)
    expect(text).toBe(p.reply)
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true)
    await expectBaseRow(requestId(response))
  })

  it('max tokens: the vendor stops at the cap, finish_reason length, the row bills the cap', async () => {
    const { data, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 100 })
      .withResponse()
    expect(data.choices[0].finish_reason).toBe('length')
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100 })
    const r = await row(requestId(response))
    expect(r).toMatchObject({ provider: p.provider, status: 'success', input_tokens: 1000, output_tokens: 100, cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe(p.cappedCost)
  })

  it.each([
    { fault: 'stream-error', code: 'upstream_error', message: /^Upstream failed: / },
    { fault: 'truncate', code: 'upstream_error', message: /^Upstream failed: the upstream stream ended before the answer was complete$/ },
    // Silence past UPSTREAM_TIMEOUT_MS: the gateway gives up and hangs up on the vendor.
    { fault: 'stall', code: 'upstream_timeout', message: /^Upstream timed out/ },
  ])('a stream the vendor cuts after two pieces ($fault): an error event the SDK throws, the row charges what was delivered', async ({ fault, code, message }) => {
    const { data: stream, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: `Go [fault:${fault}]` }], max_tokens: 1000, stream: true })
      .withResponse()
    const { text, thrown } = await readStream(stream)
    expect(thrown).toBeInstanceOf(APIError)
    expect((thrown as APIError).message).toMatch(message)
    expect(text).toBe('Hello from')
    if (fault === 'stall') await expect.poll(() => p.calls().at(-1)?.aborted, { timeout: 10_000 }).toBe(true)
    const r = await row(requestId(response))
    expect(r).toMatchObject({ provider: p.provider, model: p.model, status: 'error', error_code: code })
    // Priced from the vendor's counts where it reported them, `estimated` where Tollgate counted what was streamed.
    expect(r.cost_status).toBe((r.metadata as { usage_source?: string }).usage_source === 'counted' ? 'estimated' : 'priced')
    expect((r.response_payload as { streamed: string }).streamed).toBe('Hello from')
    expect(r.output_tokens).toBeGreaterThan(0)
    expect(r.output_tokens).toBeLessThan(500)
    expect(r.total_cost).toBe(costAt(p.rates, r as never))
  })

  it('tools: two parallel calls as tool_calls, then the results translated back to the vendor', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris and Rome? [tool]' }]
    const { data, response } = await u.client.chat.completions.create({ model: p.model, messages, tools: [WEATHER_TOOL], max_tokens: 1000 }).withResponse()
    const choice = data.choices[0]
    expect(choice.finish_reason).toBe('tool_calls')
    const calls = choice.message.tool_calls ?? []
    expect(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Rome' }],
    ])
    const ids = calls.map((c) => c.id)
    expect(new Set(ids).size).toBe(2)
    for (const id of ids) expect(id).toMatch(/\S/)
    await expectBaseRow(requestId(response))

    const followUp = await u.client.chat.completions
      .create({
        model: p.model,
        tools: [WEATHER_TOOL],
        max_tokens: 1000,
        messages: [
          ...messages,
          { role: 'assistant', content: null, tool_calls: calls },
          ...ids.map((id, i) => ({ role: 'tool' as const, tool_call_id: id, content: RESULTS[i] })),
        ],
      })
      .withResponse()
    expect(followUp.data.choices).toHaveLength(1)
    p.expectToolResults(lastBody(), ids)
    await expectBaseRow(requestId(followUp.response))
  })

  it('tool_choice naming a function: the vendor is told to call it', async () => {
    const { data, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Weather? [tool]' }], tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 1000 })
      .withResponse()
    expect(data.choices[0].finish_reason).toBe('tool_calls')
    p.expectNamedToolChoice(lastBody())
    await expectBaseRow(requestId(response))
  })

  it('thinking with tools: the signed reasoning state goes back with the calls on the next turn', async () => {
    const body = { model: p.model, messages: [{ role: 'user' as const, content: 'Weather? [tool] [reasoning]' }], tools: [WEATHER_TOOL], reasoning_effort: 'low' as const, max_completion_tokens: 4000 }
    const first = await u.client.chat.completions.create(body).withResponse()
    const message = first.data.choices[0].message
    const results = (message.tool_calls ?? []).map((c, i) => ({ role: 'tool' as const, tool_call_id: c.id, content: RESULTS[i] }))
    expect(results).toHaveLength(2)
    const second = await u.client.chat.completions.create({ ...body, messages: [...body.messages, message, ...results] }).withResponse()
    p.expectReasoningReplayed(lastBody())
    expect((await row(requestId(first.response))).reasoning_tokens).toBe(100)
    // The next turn ends in tool results, not the [reasoning] text: the fakes do not think again.
    await row(requestId(second.response))
  })

  it('tools, streamed: tool_calls deltas the SDK assembles into the same two calls', async () => {
    const { data: raw, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'Weather? [tool]' }], tools: [WEATHER_TOOL], max_tokens: 1000, stream: true, stream_options: { include_usage: true } })
      .withResponse()
    // The SDK's own accumulator, as `chat.completions.stream()` uses it.
    const runner = ChatCompletionStream.fromReadableStream(raw.toReadableStream())
    const deltas: ChatCompletionChunk.Choice.Delta.ToolCall[] = []
    runner.on('chunk', (chunk) => deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? [])))
    const final = await runner.finalChatCompletion()
    expect(final.choices[0].finish_reason).toBe('tool_calls')
    const calls = final.choices[0].message.tool_calls ?? []
    expect(calls.map((c) => c.type === 'function' && [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      [expect.stringMatching(/\S/), 'get_weather', { city: 'Paris' }],
      [expect.stringMatching(/\S/), 'get_weather', { city: 'Rome' }],
    ])
    // Each call opens with its index, id and name, as OpenAI streams it.
    for (const [index, call] of calls.entries()) expect(deltas.find((d) => d.index === index)).toMatchObject({ index, id: call.id, function: { name: 'get_weather' } })
    expect(final.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 })
    await expectBaseRow(requestId(response))
  })

  it('structured output: json_schema reaches the vendor its way, the answer parses', async () => {
    const { data, response } = await u.client.chat.completions
      .create({
        model: p.model,
        messages: [{ role: 'user', content: 'Answer in JSON [json]' }],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } },
        max_tokens: 1000,
      })
      .withResponse()
    expect(JSON.parse(data.choices[0].message.content!)).toEqual({ answer: 'ok' })
    expect(data.choices[0].finish_reason).toBe('stop')
    p.expectSchema(lastBody())
    await expectBaseRow(requestId(response))
  })

  it('images in: an https URL and a data: base64 image, each in the vendor\'s wire shape', async () => {
    const { data, response } = await u.client.chat.completions
      .create({
        model: p.model,
        max_tokens: 1000,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these images?' },
              { type: 'image_url', image_url: { url: IMAGE_URL } },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
            ],
          },
        ],
      })
      .withResponse()
    expect(data.choices[0].message.content).toBe(p.reply)
    p.expectImages(lastBody())
    await expectBaseRow(requestId(response))
  })

  it(`an http:// image URL is ${p.plainHttpImage === 'forwarded' ? 'forwarded' : 'refused with a 400 naming the field'}`, async () => {
    const before = p.calls().length
    const asked = u.client.chat.completions.create({
      model: p.model,
      max_tokens: 1000,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'And this one?' }, { type: 'image_url', image_url: { url: 'http://images.example.test/cat.png' } }] }],
    })
    if (p.plainHttpImage === 'forwarded') {
      const { data, response } = await asked.withResponse()
      expect(data.choices[0].message.content).toBe(p.reply)
      expect(p.calls().length).toBe(before + 1)
      await expectBaseRow(requestId(response))
      return
    }
    const error = await asked.catch((e: unknown) => e)
    await expectRefused(error, p.plainHttpImage.refusedParam)
    expect((error as APIError).message).toMatch(/https|data:/)
    expect(p.calls().length).toBe(before)
  })

  it('abort mid-stream: the vendor sees the abort; the row is client_aborted with what was streamed', async () => {
    const controller = new AbortController()
    const { data: stream, response } = await u.client.chat.completions
      .create({ model: p.model, messages: [{ role: 'user', content: 'A long story [fault:long-stream]' }], max_tokens: 4000, stream: true }, { signal: controller.signal })
      .withResponse()
    let received = ''
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? ''
        if (received) controller.abort()
      }
    } catch {
      // the SDK ends the iteration or throws its abort error: either way the client is gone
    }
    expect(received).toMatch(/^ word0/)
    await expect.poll(() => p.calls().at(-1)?.aborted, { timeout: 10_000 }).toBe(true)
    const r = await row(requestId(response))
    expect(r).toMatchObject({ provider: p.provider, model: p.model, status: 'client_aborted', error_code: 'client_closed_request' })
    // Priced from the vendor's counts where it reported them, `estimated` where Tollgate counted what was streamed.
    expect(r.cost_status).toBe((r.metadata as { usage_source?: string }).usage_source === 'counted' ? 'estimated' : 'priced')
    const streamed = (r.response_payload as { streamed: string }).streamed
    expect(streamed.startsWith(received)).toBe(true)
    // Far less than the 200 words the vendor would have written: what was streamed, counted.
    expect(r.output_tokens).toBeGreaterThan(0)
    expect(r.output_tokens).toBeLessThan(300)
    expect(r.input_tokens).toBeGreaterThan(0)
    expect(r.total_cost).toBe(costAt(p.rates, r as never))
  })

  it.each([
    { fault: '429', status: 503, code: 'upstream_rate_limited', retryAfter: '7' },
    { fault: '500', status: 502, code: 'upstream_error', retryAfter: null },
  ])('upstream $fault: $status $code, one error row charging nothing', async ({ fault, status, code, retryAfter }) => {
    const error = await u.client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content: `Hi [fault:${fault}]` }], max_tokens: 1000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(APIError)
    const e = error as APIError
    expect(e).toMatchObject({ status, code, type: 'upstream_error' })
    expect(e.headers?.get('retry-after') ?? null).toBe(retryAfter)
    expect(await row(e.requestID)).toMatchObject({
      provider: p.provider,
      model: p.model,
      status: 'error',
      error_code: code,
      input_tokens: 0,
      output_tokens: 0,
      total_cost: '0.000000000000',
    })
  })

  it('left exactly one row per call', async () => {
    // Rows are written after the answer: a second row of one call would arrive late. Wait for
    // every hold to settle, then count.
    await expect.poll(() => holdsOf(db(), u.id), { timeout: 10_000 }).toBe(0)
    const ids = (await usageRows(db(), u.id, made.length)).map((r) => r.request_id)
    expect(new Set(made).size).toBe(made.length)
    expect(ids.sort()).toEqual([...made].sort())
  })
})

// The "Done when": one Tollgate key, three vendors, the official SDK; each row names
// its vendor, counts cache reads, cache writes and reasoning, and costs what the vendor bills.
describe('one Tollgate key chats with every vendor (plain, streamed with usage, tools)', () => {
  type Expected = { provider: string; pricedBy: string; input: number; cached: number; reasoning: number; output: number; cost: string }
  const VENDORS: { model: string; extra: Record<string, unknown>; markers: string; expected: Expected }[] = [
    {
      model: 'gpt-4o-mini',
      extra: { max_tokens: 1000 },
      markers: '[cached] [reasoning]',
      // 200 × $0.15/M + 800 × $0.075/M (cached) + 500 × $0.60/M = $0.00003 + $0.00006 + $0.0003
      expected: { provider: 'openai', pricedBy: 'openai', input: 1000, cached: 800, reasoning: 100, output: 500, cost: '0.00039' },
    },
    {
      model: 'claude-sonnet-4-5',
      extra: { max_completion_tokens: 4000, reasoning_effort: 'low' },
      markers: '[cached] [cache-write] [reasoning]',
      // 200 × $3/M + 800 × $0.30/M (reads) + 5,000 × $3.75/M (5-minute writes) + 500 × $15/M (thinking included)
      // = $0.0006 + $0.00024 + $0.01875 + $0.0075
      expected: { provider: 'anthropic', pricedBy: 'anthropic', input: 6000, cached: 800, reasoning: 100, output: 500, cost: '0.02709' },
    },
    {
      model: 'claude-sonnet-4-5',
      extra: { max_tokens: 1000 },
      markers: '[cached] [cache-write-1h]',
      // One-hour cache writes cost twice the input rate: 200 × $3/M + 800 × $0.30/M + 5,000 × $6/M + 500 × $15/M
      // = $0.0006 + $0.00024 + $0.03 + $0.0075
      expected: { provider: 'anthropic', pricedBy: 'anthropic', input: 6000, cached: 800, reasoning: 0, output: 500, cost: '0.03834' },
    },
    {
      model: 'gemini-2.5-flash',
      extra: { max_tokens: 1000 },
      markers: '[cached] [reasoning]',
      // Gemini counts thoughts apart from candidates; both are output: 500 + 100 thought tokens.
      // 200 × $0.30/M + 800 × $0.03/M (cached) + 600 × $2.50/M = $0.00006 + $0.000024 + $0.0015
      expected: { provider: 'gemini', pricedBy: 'google', input: 1000, cached: 800, reasoning: 100, output: 600, cost: '0.001584' },
    },
  ]
  let u: GatewayUser
  beforeAll(async () => {
    u = await createGatewayUser(server.url)
  })

  it.each(VENDORS)('$model $markers', async ({ model, extra, markers, expected }) => {
    const ask = (content: string) => ({ model, messages: [{ role: 'user' as const, content: `${content} ${markers}` }], ...extra })
    const plain = await u.client.chat.completions.create(ask('Hello')).withResponse()
    expect(plain.data.choices[0].message.content).toMatch(/^Hello from the fake/)
    const streamed = await u.client.chat.completions.create({ ...ask('Stream'), stream: true, stream_options: { include_usage: true } }).withResponse()
    const { text, chunks } = await readStream(streamed.data)
    expect(text).toBe(plain.data.choices[0].message.content)
    expect(chunks.at(-1)!.usage).toMatchObject({
      prompt_tokens: expected.input,
      completion_tokens: expected.output,
      prompt_tokens_details: { cached_tokens: expected.cached },
      completion_tokens_details: { reasoning_tokens: expected.reasoning },
    })
    const tools = await u.client.chat.completions.create({ ...ask('Weather? [tool]'), tools: [WEATHER_TOOL] }).withResponse()
    expect(tools.data.choices[0].message.tool_calls).toHaveLength(2)

    for (const { response } of [plain, streamed, tools]) {
      const r = await rowOf(db(), u.id, requestId(response))
      expect(r).toMatchObject({
        provider: expected.provider,
        model,
        status: 'success',
        input_tokens: expected.input,
        cached_tokens: expected.cached,
        reasoning_tokens: expected.reasoning,
        output_tokens: expected.output,
        cost_status: 'priced',
      })
      expect(canonical(r.total_cost)).toBe(expected.cost)
      // Priced by the vendor's own price list (Claude is also listed at Google Vertex's rates;
      // the catalog names Gemini's price list 'google').
      expect(r.price_snapshot).toMatchObject({ provider: expected.pricedBy, model })
    }
  })
})

// Fallback across protocols: the same OpenAI-shaped request is translated anew for each
// provider tried, and the row is priced as what was finally served.
describe('fallback across protocols (models: [...])', () => {
  // Every vendor but OpenAI fails (Anthropic overloaded 529, Gemini 503); OpenAI serves.
  const order = [...PROTOCOLS.filter((p) => p.protocol !== 'openai'), PROTOCOLS.find((p) => p.protocol === 'openai')!]
  const served = order.at(-1)!
  let u: GatewayUser
  beforeAll(async () => {
    u = await createGatewayUser(server.url)
  })

  it.each([false, true])('stream: %s', async (stream) => {
    const body = { model: order[0].model, models: order.map((p) => p.model), messages: [{ role: 'user' as const, content: 'Hi [fault:529] [fault:503]' }], max_tokens: 1000 }
    const { data, response } = await u.client.chat.completions.create({ ...body, stream } as never).withResponse()
    const text = stream
      ? (await readStream(data as unknown as AsyncIterable<ChatCompletionChunk>)).text
      : (data as unknown as { choices: { message: { content: string } }[] }).choices[0].message.content
    expect(text).toBe(served.reply)
    expect(response.headers.get('x-tollgate-provider')).toBe(served.provider)
    const r = await rowOf(db(), u.id, requestId(response))
    expect(r).toMatchObject({ provider: served.provider, model: served.model, status: 'success', input_tokens: 1000, output_tokens: 500 })
    expect(canonical(r.total_cost)).toBe(served.baseCost)
    expect((r.metadata as { attempts: unknown }).attempts).toEqual(
      order.slice(0, -1).map((p) => ({ provider: p.provider, model: p.model, error: 'server_error', status: p.protocol === 'anthropic' ? 529 : 503 })),
    )
    // Nothing of Tollgate's list reached a vendor.
    for (const p of PROTOCOLS) expect(p.calls().some((c) => 'models' in c.body)).toBe(false)
  })
})
