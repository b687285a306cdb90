// The protocols the conformance suite (test/integration/conformance.test.ts) drives through one
// Next server: for each, the model asked for, its fake vendor, and what that vendor must have
// received for each case, in its own wire shape (../shared/PROVIDERS-TEXT.md). Expected costs
// are literals from each vendor's published rates (lib/pricing/data/text-prices.json), never
// the cost engine's own output.
import type { ChatCompletionChunk } from 'openai/resources/chat/completions'
import { expect } from 'vitest'
import { FAKE_REPLY as ANTHROPIC_REPLY, FAKE_SIGNATURE, FAKE_THINKING, startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic'
import { FAKE_REPLY as GEMINI_REPLY, FAKE_THOUGHT, startFakeGemini, type FakeGemini } from './fakes/gemini'
import { FAKE_REPLY as OPENAI_REPLY, startFakeOpenAI, type FakeOpenAI } from './fakes/openai'
import { usageRows, type UsageRow } from './gateway'

/** What every fake records of a request. */
type Recorded = { path: string; body: Record<string, unknown>; aborted: boolean; stream?: boolean }
export type Fakes = { openai: FakeOpenAI; anthropic: FakeAnthropic; gemini: FakeGemini }

export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
export const IMAGE_URL = 'https://images.example.test/cat.png'
export const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
export const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}

/** Rates in US dollars per million tokens, as the vendor publishes them. */
type Rates = { input: string; cacheRead: string; output: string; cacheWrite?: string }

export type ProtocolCase = {
  protocol: 'openai' | 'anthropic' | 'gemini'
  model: string
  /** The provider the row must name. */
  provider: string
  reply: string
  rates: Rates
  /** A call of 1,000 prompt and 500 output tokens (every fake's default usage), in dollars. */
  baseCost: string
  /** 1,000 prompt and 100 output tokens (max_completion_tokens 100). */
  cappedCost: string
  calls: () => Recorded[]
  /** The vendor was asked for a stream, its way. */
  asksStream: (call: Recorded) => boolean
  /** The output cap the vendor received, in its own field; and the model's published output limit. */
  capOf: (body: Record<string, unknown>) => unknown
  outputLimit: number
  /** The cap the gateway sends when the caller gives none: its default (16,384), or the model's own limit for Anthropic, which requires one. */
  defaultCap: number
  /** The plain call's system prompt and max_tokens 1000, as the vendor received them. */
  expectPlain: (body: Record<string, unknown>) => void
  /** temperature 0.5, top_p 0.9 and stop ['END'], as the vendor received them. */
  expectSampling: (body: Record<string, unknown>) => void
  /** tool_choice naming get_weather, as the vendor received it. */
  expectNamedToolChoice: (body: Record<string, unknown>) => void
  /** logprobs: true is forwarded, or refused with a 400 naming it (no equivalent). */
  logprobs: 'forwarded' | 'refused'
  /**
   * reasoning_effort low with [reasoning]: how the vendor was asked to think, the thinking text
   * the client gets back as reasoning_content ('' where the vendor returns none), the output
   * tokens (reasoning included, once) and their cost.
   */
  reasoning: { expectAsked: (body: Record<string, unknown>) => void; text: string; output: number; cost: string }
  /** n: 2 — two choices, both billed (1,000 prompt + 2 × 500 output tokens), or refused naming n. */
  twoChoices: { cost: string } | 'refused'
  /**
   * Thinking with tools: the assistant turn sent back (as the SDK returned it) carries the
   * vendor's signed reasoning state, which Anthropic and Gemini require with tool calls.
   */
  expectReasoningReplayed: (body: Record<string, unknown>) => void
  /** The images the vendor received, in its own shape, for the user turn [text, https URL, data: PNG]. */
  expectImages: (body: Record<string, unknown>) => void
  /** An http:// image: forwarded as is, or refused with a 400 naming this field. */
  plainHttpImage: { refusedParam: string } | 'forwarded'
  /** The schema reached the vendor its own way. */
  expectSchema: (body: Record<string, unknown>) => void
  /** The follow-up turn: the assistant's two calls and both results, in the vendor's shape. */
  expectToolResults: (body: Record<string, unknown>, ids: string[]) => void
}

export const RESULTS = ['{"temp":21}', '{"temp":17}']

export function protocolCases(fakes: () => Fakes): ProtocolCase[] {
  return [
    {
      protocol: 'openai',
      model: 'gpt-4o-mini',
      provider: 'openai',
      reply: OPENAI_REPLY.join(''),
      rates: { input: '0.15', cacheRead: '0.075', output: '0.6' },
      // 1,000 × $0.15/M + 500 × $0.60/M
      baseCost: '0.00045',
      // 1,000 × $0.15/M + 100 × $0.60/M
      cappedCost: '0.00021',
      calls: () => fakes().openai.calls,
      capOf: (body) => body.max_completion_tokens ?? body.max_tokens,
      outputLimit: 16_384,
      defaultCap: 16_384,
      asksStream: (call) => call.body.stream === true && (call.body.stream_options as { include_usage?: boolean }).include_usage === true,
      expectPlain: (body) =>
        expect(body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1000, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }),
      expectImages: (body) =>
        expect((body.messages as { content: unknown }[])[0].content).toEqual([
          { type: 'text', text: 'What is in these images?' },
          { type: 'image_url', image_url: { url: IMAGE_URL } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
        ]),
      plainHttpImage: 'forwarded',
      expectSampling: (body) => expect(body).toMatchObject({ temperature: 0.5, top_p: 0.9, stop: ['END'] }),
      expectNamedToolChoice: (body) => expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } }),
      logprobs: 'forwarded',
      // 1,000 × $0.15/M + 1,000 × $0.60/M
      twoChoices: { cost: '0.00075' },
      // OpenAI keeps reasoning server-side: the turn goes back as it came.
      expectReasoningReplayed: (body) => expect((body.messages as { role: string }[])[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_fake1' }, { id: 'call_fake2' }] }),
      // OpenAI bills reasoning inside completion_tokens: 1,000 × $0.15/M + 500 × $0.60/M.
      reasoning: { expectAsked: (body) => expect(body.reasoning_effort).toBe('low'), text: '', output: 500, cost: '0.00045' },
      expectSchema: (body) => expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } }),
      expectToolResults: (body, ids) =>
        expect((body.messages as unknown[]).slice(1)).toEqual([
          { role: 'assistant', content: null, tool_calls: ids.map((id, i) => ({ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city: ['Paris', 'Rome'][i] }) } })) },
          { role: 'tool', tool_call_id: ids[0], content: RESULTS[0] },
          { role: 'tool', tool_call_id: ids[1], content: RESULTS[1] },
        ]),
    },
    {
      protocol: 'anthropic',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      reply: ANTHROPIC_REPLY.join(''),
      rates: { input: '3', cacheRead: '0.3', output: '15', cacheWrite: '3.75' },
      // 1,000 × $3/M + 500 × $15/M
      baseCost: '0.0105',
      // 1,000 × $3/M + 100 × $15/M
      cappedCost: '0.0045',
      calls: () => fakes().anthropic.calls,
      asksStream: (call) => call.body.stream === true,
      capOf: (body) => body.max_tokens,
      outputLimit: 64_000,
      defaultCap: 64_000,
      expectPlain: (body) =>
        expect(body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 1000, system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] }),
      expectImages: (body) =>
        expect(body.messages).toEqual([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these images?' },
              { type: 'image', source: { type: 'url', url: IMAGE_URL } },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            ],
          },
        ]),
      plainHttpImage: { refusedParam: 'messages[0].content[1].image_url' },
      expectSampling: (body) => expect(body).toMatchObject({ temperature: 0.5, top_p: 0.9, stop_sequences: ['END'] }),
      expectNamedToolChoice: (body) => expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' }),
      logprobs: 'refused',
      twoChoices: 'refused',
      expectReasoningReplayed: (body) =>
        expect((body.messages as { content: unknown[] }[])[1].content).toEqual([
          { type: 'thinking', thinking: FAKE_THINKING.join(''), signature: FAKE_SIGNATURE },
          { type: 'tool_use', id: 'toolu_fake1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_fake2', name: 'get_weather', input: { city: 'Rome' } },
        ]),
      // Thinking is output: 1,000 × $3/M + 500 × $15/M (100 of the 500 are thinking).
      reasoning: { expectAsked: (body) => expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 }), text: FAKE_THINKING.join(''), output: 500, cost: '0.0105' },
      expectSchema: (body) => expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: SCHEMA } }),
      expectToolResults: (body, ids) =>
        expect((body.messages as unknown[]).slice(1)).toEqual([
          { role: 'assistant', content: ids.map((id, i) => ({ type: 'tool_use', id, name: 'get_weather', input: { city: ['Paris', 'Rome'][i] } })) },
          {
            role: 'user',
            content: ids.map((id, i) => ({ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: RESULTS[i] }] })),
          },
        ]),
    },
    {
      protocol: 'gemini',
      model: 'gemini-2.5-flash',
      provider: 'gemini',
      reply: GEMINI_REPLY.join(''),
      rates: { input: '0.3', cacheRead: '0.03', output: '2.5' },
      // 1,000 × $0.30/M + 500 × $2.50/M
      baseCost: '0.00155',
      // 1,000 × $0.30/M + 100 × $2.50/M
      cappedCost: '0.00055',
      calls: () => fakes().gemini.calls,
      capOf: (body) => (body.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens,
      outputLimit: 65_536,
      defaultCap: 16_384,
      asksStream: (call) => call.stream === true && call.path.endsWith(':streamGenerateContent?alt=sse') && !('stream' in call.body),
      expectPlain: (body) =>
        expect(body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { maxOutputTokens: 1000 } }),
      expectImages: (body) =>
        expect(body.contents).toEqual([
          {
            role: 'user',
            parts: [{ text: 'What is in these images?' }, { fileData: { mimeType: 'image/png', fileUri: IMAGE_URL } }, { inlineData: { mimeType: 'image/png', data: PNG } }],
          },
        ]),
      plainHttpImage: { refusedParam: 'messages[0].content[1].image_url.url' },
      expectSampling: (body) => expect(body.generationConfig).toMatchObject({ temperature: 0.5, topP: 0.9, stopSequences: ['END'] }),
      expectNamedToolChoice: (body) => expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } }),
      logprobs: 'refused',
      // candidateCount 2: 1,000 × $0.30/M + 1,000 × $2.50/M
      twoChoices: { cost: '0.0028' },
      expectReasoningReplayed: (body) =>
        expect((body.contents as { parts: unknown[] }[])[1].parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' }),
      // Gemini counts thoughts apart from candidates: 500 + 100 output tokens, 1,000 × $0.30/M + 600 × $2.50/M.
      reasoning: {
        expectAsked: (body) => expect((body.generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true }),
        text: FAKE_THOUGHT,
        output: 600,
        cost: '0.0018',
      },
      expectSchema: (body) => expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: SCHEMA }),
      expectToolResults: (body) =>
        expect((body.contents as unknown[]).slice(1)).toEqual([
          {
            role: 'model',
            parts: [
              // The first call's thought signature went out with the call and came back with it.
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' },
              { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
            ],
          },
          { role: 'user', parts: RESULTS.map((r) => ({ functionResponse: { name: 'get_weather', response: { output: JSON.parse(r) } } })) },
        ]),
    },
  ]
}

export async function startFakes(): Promise<Fakes> {
  const [openai, anthropic, gemini] = await Promise.all([startFakeOpenAI(), startFakeAnthropic(), startFakeGemini()])
  return { openai, anthropic, gemini }
}

export async function closeFakes(fakes: Fakes | undefined): Promise<void> {
  if (fakes) await Promise.all(Object.values(fakes).map((f) => f.close()))
}

/** The server environment pointing every protocol at its fake. */
export function fakeEnv(fakes: Fakes): Record<string, string> {
  return {
    OPENAI_API_KEY: fakes.openai.apiKey,
    OPENAI_BASE_URL: fakes.openai.url,
    ANTHROPIC_API_KEY: fakes.anthropic.apiKey,
    ANTHROPIC_BASE_URL: fakes.anthropic.url,
    GEMINI_API_KEY: fakes.gemini.apiKey,
    GEMINI_BASE_URL: fakes.gemini.url,
  }
}

/** The row of one call (recording runs after the response: waits for it). */
export async function rowOf(databaseUrl: string, userId: string, requestId: string | null | undefined): Promise<UsageRow> {
  expect(requestId).toMatch(/^req_[0-9a-f]{32}$/)
  const deadline = Date.now() + 10_000
  for (;;) {
    const row = (await usageRows(databaseUrl, userId, 0, 0)).find((r) => r.request_id === requestId)
    if (row) return row
    if (Date.now() > deadline) throw new Error(`no usage row for ${requestId}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A decimal string as whole pico-dollars (10⁻¹² $): exact, no floats. */
function pico(value: string): bigint {
  const [whole, fraction = ''] = value.split('.')
  return BigInt(whole) * 10n ** 12n + BigInt(fraction.padEnd(12, '0').slice(0, 12))
}

/**
 * The cost of a row's tokens at `rates`, as numeric(…,12) text: for calls whose tokens the
 * gateway counted itself (an aborted stream), so the figure cannot be a literal. Rates are per
 * million tokens, so tokens × rate (pico-dollars per million) / 10⁶ is exact.
 */
export function costAt(rates: Rates, row: { input_tokens: number; cached_tokens: number; output_tokens: number }): string {
  const micro = (pico(rates.input) * BigInt(row.input_tokens - row.cached_tokens) + pico(rates.cacheRead) * BigInt(row.cached_tokens) + pico(rates.output) * BigInt(row.output_tokens)) / 10n ** 6n
  return `${micro / 10n ** 12n}.${String(micro % 10n ** 12n).padStart(12, '0')}`
}

/**
 * Reads a stream to its end: its chunks, choice 0's text and reasoning, and what the iteration
 * threw (a mid-stream error event; undefined when the stream ended cleanly).
 */
export async function readStream(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = []
  let thrown: unknown
  try {
    for await (const chunk of stream) chunks.push(chunk)
  } catch (error) {
    thrown = error
  }
  const deltas = chunks.map((c) => c.choices.find((choice) => choice.index === 0)?.delta as { content?: string | null; reasoning_content?: string } | undefined)
  return { chunks, thrown, text: deltas.map((d) => d?.content ?? '').join(''), reasoning: deltas.map((d) => d?.reasoning_content ?? '').join('') }
}
