// A FAKE of OpenAI's API for gateway tests, on 127.0.0.1: chat completions (plain and SSE, in
// OpenAI's exact shapes) and image generation. Faults are chosen by markers in the last user
// message, so each test asks for the behaviour it checks:
//   [fault:401] [fault:500] [fault:400] [fault:slow] [fault:no-usage]
//   [fault:429] (OpenAI's rate-limit answer for the fake's own key, with Retry-After: 7;
//   [fault:429:3600] with another wait)
//   [fault:long-stream] (200 chunks, 40 ms apart)
// and, after two content chunks of a stream (or at once, for a plain completion):
//   [fault:stream-error] an error event; [fault:malformed] JSON that does not parse;
//   [fault:reset] the socket destroyed; [fault:truncate] a clean end without finish or [DONE];
//   [fault:stall] silence until the gateway hangs up (a plain completion: headers, half a body)
//   [delay:N] answers after N ms
// and behaviours the conformance suite drives through every protocol:
//   [tool] two parallel calls of the first declared tool (TOOL_ARGS; one with
//   parallel_tool_calls: false), finish_reason tool_calls, streamed as OpenAI streams them
//   (a delta with index, id, type and name, then argument fragments); once the last message is
//   a tool result, the model answers in text, as a model reading its results would;
//   [json] the text JSON_REPLY when response_format carries a json_schema with a schema (else
//   the plain reply, so a missing schema shows).
// The marker text is read from a string content or the text parts of a multi-part one (images
// beside it are recorded as sent, in `calls[].body`).
// Usage is fixed: 1,000 prompt tokens (800 cached with [cached]), 500 completion tokens
// (100 of them reasoning with [reasoning]).
// Like OpenAI, it bounds each choice by max_completion_tokens / max_tokens (finish_reason
// "length"), bills n choices, refuses max_tokens for reasoning models and a cap above the
// model's output limit (400). [verbose] makes the model write until its output limit (or the
// cap), with usage counted as OpenAI counts it (the prompt with o200k chat framing).
import { createServer, type ServerResponse } from 'node:http'
import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base'
import { serveFakeAudio } from '@/test/fakes/openai-audio'
import { serveEmbeddingsOrModerations } from '@/test/fakes/openai-embeddings'
import { serveResponses } from '@/test/fakes/openai-responses'

export type OpenAICall = { path: string; body: Record<string, unknown>; aborted: boolean; authorization?: string }
export type FakeOpenAI = {
  url: string
  apiKey: string
  calls: OpenAICall[]
  close: () => Promise<void>
  /** Stops listening (connections are then refused: an outage) until `resume()`, on the same port. */
  pause: () => Promise<void>
  resume: () => Promise<void>
}

export const FAKE_REPLY = ['Hello', ' from', ' the', ' fake', ' OpenAI', '.']
/** What a stream delivers before a mid-stream fault cuts it. */
export const CUT_REPLY = FAKE_REPLY.slice(0, 2)
export const JSON_REPLY = '{"answer":"ok"}'
export const TOOL_ARGS = [{ city: 'Paris' }, { city: 'Rome' }]
export const RATE_LIMIT_MESSAGE = 'Rate limit reached for gpt-4o in organization org-fAk3OrgId on requests per min (RPM): Limit 3, Used 3, Requested 1.'

const CUTS = ['stream-error', 'malformed', 'reset', 'truncate', 'stall'] as const

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? []
  const last = [...messages].reverse().find((m) => m.role === 'user')
  if (Array.isArray(last?.content))
    return (last.content as { type?: string; text?: unknown }[]).filter((p) => p?.type === 'text' && typeof p.text === 'string').map((p) => p.text).join('\n')
  return typeof last?.content === 'string' ? last.content : typeof body.prompt === 'string' ? body.prompt : ''
}

type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } }

/** The tool calls a [tool] turn answers (none once the last message is a tool's result, or without tools). */
function toolCallsFor(body: Record<string, unknown>, text: string): ToolCall[] {
  const messages = (body.messages as { role: string }[] | undefined) ?? []
  const tools = Array.isArray(body.tools) ? (body.tools as { function?: { name?: string } }[]) : []
  const name = tools[0]?.function?.name
  if (!text.includes('[tool]') || !name || messages.at(-1)?.role === 'tool') return []
  const args = body.parallel_tool_calls === false ? TOOL_ARGS.slice(0, 1) : TOOL_ARGS
  return args.map((input, i) => ({ id: `call_fake${i + 1}`, type: 'function', function: { name, arguments: JSON.stringify(input) } }))
}

/** [json] with a json_schema response_format: the JSON answer, in pieces. */
function jsonAsked(body: Record<string, unknown>, text: string): boolean {
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined
  return text.includes('[json]') && format?.type === 'json_schema' && typeof format.json_schema?.schema === 'object'
}

/** The most a model may write per choice (OpenAI's model pages); reasoning models count their reasoning in it. */
function outputLimit(model: string): number {
  if (/^gpt-5/.test(model)) return 128_000
  if (/^o\d/.test(model)) return 100_000
  if (/^gpt-4\.1/.test(model)) return 32_768
  if (/^gpt-3\.5-turbo|^gpt-4-turbo|^gpt-4o-2024-05-13/.test(model)) return 4_096
  return 16_384
}
const isReasoning = (model: string) => /^(o\d|gpt-5)/.test(model)

/** OpenAI's 400 for a cap the model cannot take, or null. */
function capError(body: Record<string, unknown>): { message: string; param: string } | null {
  const model = String(body.model)
  if (body.max_tokens != null && isReasoning(model))
    return { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param: 'max_tokens' }
  const field = body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens'
  const cap = body[field]
  if (cap != null && Number(cap) > outputLimit(model))
    return { message: `max_tokens is too large: ${cap}. This model supports at most ${outputLimit(model)} completion tokens, whereas you provided ${cap}.`, param: field }
  return null
}

/** Tokens each choice writes, and whether the cap cut it. */
function choiceLength(body: Record<string, unknown>, text: string): { tokens: number; cut: boolean } {
  const natural = text.includes('[verbose]') ? outputLimit(String(body.model)) : 500
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? Infinity)
  return natural > cap ? { tokens: cap, cut: true } : { tokens: natural, cut: false }
}

function usageFor(body: Record<string, unknown>, text: string) {
  const choices = Number(body.n ?? 1)
  const prompt = text.includes('[verbose]') ? encodeChat(body.messages as Parameters<typeof encodeChat>[0], 'gpt-4o').length : 1000
  const completion = choiceLength(body, text).tokens * choices
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: text.includes('[cached]') ? 800 : 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: text.includes('[reasoning]') ? 100 : 0, audio_tokens: 0 },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Silence until the other side hangs up (or a minute passes). */
const untilClosed = (res: ServerResponse) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, 60_000)
  res.once('close', () => (clearTimeout(timer), resolve()))
})
const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `fake_${Date.now()}` })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

export async function startFakeOpenAI(apiKey = 'sk-fake-openai'): Promise<FakeOpenAI> {
  const fake: FakeOpenAI = { url: '', apiKey, calls: [], close: async () => {}, pause: async () => {}, resume: async () => {} }
  const server = createServer(async (req, res) => {
    if (req.url?.startsWith('/audio/')) return serveFakeAudio(fake, req, res)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>
    const call: OpenAICall = { path: req.url ?? '', body, aborted: false, authorization: req.headers.authorization }
    fake.calls.push(call)
    res.on('close', () => {
      if (!res.writableFinished) call.aborted = true
    })
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    if (serveEmbeddingsOrModerations(req.url ?? '', body, res)) return
    if (req.url?.startsWith('/responses')) return serveResponses(fake, req, res, body)
    const text = lastUserText(body)
    if (text.includes('[fault:401]'))
      return send(res, 401, { error: { message: `Incorrect API key provided: ${apiKey.slice(0, 3)}…${apiKey.slice(-4)}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    if (text.includes('[fault:500]')) return send(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
    if (text.includes('[fault:400]'))
      return send(res, 400, { error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } })
    const rateLimited = /\[fault:429(?::(\d+))?\]/.exec(text)
    if (rateLimited) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': rateLimited[1] ?? '7', 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '0' })
      return res.end(JSON.stringify({ error: { message: RATE_LIMIT_MESSAGE, type: 'requests', param: null, code: 'rate_limit_exceeded' } }))
    }
    if (!body.stream) {
      if (text.includes('[fault:malformed]')) return send(res, 200, '{"id": "chatcmpl-broken", "choices": [')
      if (text.includes('[fault:reset]')) return void req.socket.destroy()
      if (text.includes('[fault:stall]')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"id": "chatcmpl-stalled", ')
        return untilClosed(res)
      }
    }
    if (text.includes('[fault:slow]')) await sleep(3_000)
    const wait = /\[delay:(\d+)\]/.exec(text)
    if (wait) await sleep(Number(wait[1]))
    if (res.destroyed) return

    if (req.url === '/images/generations') {
      const gptImage = String(body.model).startsWith('gpt-image')
      const n = Number(body.n ?? 1)
      return send(res, 200, {
        created: Math.floor(Date.now() / 1000),
        data: Array.from({ length: n }, (_, i) => (gptImage ? { b64_json: Buffer.from(`png ${i}`).toString('base64') } : { url: `${fake.url}/files/image-${i}.png`, revised_prompt: `${body.prompt} (revised)` })),
        ...(gptImage ? { size: body.size ?? '1024x1024', quality: body.quality ?? 'high', usage: { input_tokens: 50, input_tokens_details: { text_tokens: 50, image_tokens: 0 }, output_tokens: 4160, total_tokens: 4210 } } : {}),
      })
    }

    const refused = capError(body)
    if (refused) return send(res, 400, { error: { ...refused, type: 'invalid_request_error', code: refused.param === 'max_tokens' && isReasoning(String(body.model)) ? 'unsupported_parameter' : 'invalid_value' } })
    const usage = text.includes('[fault:no-usage]') ? undefined : usageFor(body, text)
    const toolCalls = toolCallsFor(body, text)
    const finishReason = choiceLength(body, text).cut ? 'length' : toolCalls.length ? 'tool_calls' : 'stop'
    const reply = jsonAsked(body, text) ? [JSON_REPLY.slice(0, 5), JSON_REPLY.slice(5)] : FAKE_REPLY
    const indexes = Array.from({ length: Number(body.n ?? 1) }, (_, i) => i)
    const id = `chatcmpl-fake${fake.calls.length}`
    const created = Math.floor(Date.now() / 1000)
    if (!body.stream) {
      return send(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: indexes.map((index) => ({
          index,
          message: toolCalls.length ? { role: 'assistant', content: null, refusal: null, tool_calls: toolCalls } : { role: 'assistant', content: reply.join(''), refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        })),
        ...(usage ? { usage } : {}),
      })
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
    const chunk = (delta: object, finish: string | null, index = 0) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })
    const write = (data: unknown) => !res.destroyed && res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    const pieces = text.includes('[fault:long-stream]') ? Array.from({ length: 200 }, (_, i) => ` word${i}`) : toolCalls.length ? [] : reply
    const delay = text.includes('[fault:long-stream]') ? 40 : 5
    write(chunk({ role: 'assistant', content: toolCalls.length ? null : '' }, null))
    const cut = CUTS.find((fault) => text.includes(`[fault:${fault}]`))
    for (const [i, piece] of pieces.entries()) {
      if (res.destroyed) return
      if (cut && i === CUT_REPLY.length) {
        if (cut === 'stream-error') write({ error: { message: 'The model crashed mid-stream', type: 'server_error' } })
        if (cut === 'malformed') write('{"id": "chatcmpl-broken", "choices": [')
        if (cut === 'reset') return void req.socket.destroy()
        if (cut === 'stall') return untilClosed(res)
        return res.end()
      }
      write(chunk({ content: piece }, null))
      await sleep(delay)
    }
    // Each call: its index, id, type and name first, then its arguments in two fragments.
    for (const [index, call] of toolCalls.entries()) {
      write(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null))
      const args = call.function.arguments
      for (const fragment of [args.slice(0, 5), args.slice(5)]) write(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }, null))
    }
    for (const index of indexes.slice(1)) write(chunk({ role: 'assistant', content: reply.join('') }, null, index))
    for (const index of indexes) write(chunk({}, finishReason, index))
    if (includeUsage && usage) write({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })
    write('[DONE]')
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  const port = (server.address() as { port: number }).port
  fake.pause = fake.close
  fake.resume = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return fake
}
