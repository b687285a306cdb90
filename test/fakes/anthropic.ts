// A FAKE of Anthropic's Messages API for gateway tests, on 127.0.0.1, in Anthropic's exact wire
// format (../shared/PROVIDERS-TEXT.md §1): POST /v1/messages (a Message, or an SSE stream of
// `event:` + `data:` lines with ping events) and POST /v1/messages/count_tokens. It checks the key
// and version the way Anthropic does (x-api-key, anthropic-version) and answers errors in
// Anthropic's shape. Behaviour is chosen by markers in the last user turn's text:
//   [cached] 800 cache-read tokens; [cache-write] 5,000 cache-write tokens at 5 minutes,
//   [cache-write-1h] at 1 hour; [reasoning] a thinking block with its signature (100 of the
//   output tokens); [tool] two parallel calls of the first declared tool (one when
//   disable_parallel_tool_use); [json] the text {"answer":"ok"} when output_config.format
//   carries a JSON schema (else the plain reply, so a missing schema shows);
//   [fault:429] (rate_limit_error, retry-after 7; [fault:429:N] another wait), [fault:500]
//   (api_error), [fault:529] (overloaded_error), [fault:400] (invalid_request_error);
//   [fault:long-stream] (200 pieces 40 ms apart); [fault:slow] (3 s), [delay:N] (N ms);
// and after two text pieces of a stream (or at once, for a plain message):
//   [fault:stream-error] Anthropic's error event after HTTP 200; [fault:malformed] JSON that does
//   not parse; [fault:reset] the socket destroyed; [fault:truncate] a clean end without
//   message_delta / message_stop; [fault:stall] silence until the gateway hangs up.
// Usage is fixed (FAKE_USAGE): 1,000 prompt tokens (Anthropic's input_tokens count only the
// uncached ones), 500 output tokens. Like Anthropic, it requires max_tokens and stops there
// (stop_reason max_tokens), and checks a thinking budget (≥ 1,024 and < max_tokens).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export type AnthropicCall = {
  path: string
  body: Record<string, unknown>
  aborted: boolean
  apiKey?: string
  version?: string
  beta?: string
}
export type FakeAnthropic = { url: string; apiKey: string; calls: AnthropicCall[]; close: () => Promise<void> }

export const FAKE_REPLY = ['Hello', ' from', ' the', ' fake', ' Claude', '.']
/** What a stream delivers before a mid-stream fault cuts it. */
export const CUT_REPLY = FAKE_REPLY.slice(0, 2)
export const JSON_REPLY = '{"answer":"ok"}'
export const FAKE_THINKING = ['Let me think', ' about this.']
export const FAKE_SIGNATURE = 'EqQBCkgIARABGAIiQfakeSignature=='
/** Prompt tokens (uncached + read + written is 1,000, or 6,000 with a cache write), output tokens and their parts. */
export const FAKE_USAGE = { prompt: 1000, output: 500, cacheRead: 800, cacheWrite: 5000, thinking: 100 } as const
export const TOOL_ARGS = [{ city: 'Paris' }, { city: 'Rome' }]
export const RATE_LIMIT_MESSAGE = 'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.'

const CUTS = ['stream-error', 'malformed', 'reset', 'truncate', 'stall'] as const
type Block = Record<string, unknown> & { type: string }

function lastUserText(body: Record<string, unknown>): string {
  const turns = Array.isArray(body.messages) ? (body.messages as { role: string; content: unknown }[]) : []
  const last = [...turns].reverse().find((m) => m.role === 'user')
  if (typeof last?.content === 'string') return last.content
  if (!Array.isArray(last?.content)) return ''
  return (last.content as Block[]).filter((b) => b.type === 'text').map((b) => String(b.text)).join('\n')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const untilClosed = (res: ServerResponse) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, 60_000)
  res.once('close', () => (clearTimeout(timer), resolve()))
})
const requestId = () => `req_fake${Math.random().toString(36).slice(2, 12)}`
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId(), ...headers })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}
const error = (res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { type: 'error', error: { type, message }, request_id: requestId() }, headers)

/** Anthropic's 400 for a request it would refuse, or null. */
function invalid(body: Record<string, unknown>): string | null {
  if (typeof body.model !== 'string') return 'model: Field required'
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 0) return 'max_tokens: Field required'
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required'
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return 'temperature: range: 0..1'
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined
  if (thinking?.type === 'enabled') {
    if (!Number.isInteger(thinking.budget_tokens) || thinking.budget_tokens! < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'
    if (thinking.budget_tokens! >= (body.max_tokens as number)) return '`max_tokens` must be greater than `thinking.budget_tokens`'
  }
  return null
}

/** What the model answers: its content blocks, output tokens and stop reason. */
function answer(body: Record<string, unknown>, text: string, pieces: string[]) {
  const reasoning = text.includes('[reasoning]')
  const tools = Array.isArray(body.tools) ? (body.tools as { name: string }[]) : []
  const format = (body.output_config as { format?: { type?: string; schema?: unknown } } | undefined)?.format
  const single = (body.tool_choice as { disable_parallel_tool_use?: boolean } | undefined)?.disable_parallel_tool_use === true
  const max = body.max_tokens as number
  const cut = FAKE_USAGE.output > max
  const blocks: Block[] = reasoning ? [{ type: 'thinking', thinking: FAKE_THINKING.join(''), signature: FAKE_SIGNATURE }] : []
  let stop = 'end_turn'
  /** The text block's pieces, one stream delta each. */
  let said: string[] = []
  if (cut) {
    // Cut by max_tokens: the text written so far, in proportion.
    said = pieces.slice(0, Math.floor((pieces.length * max) / FAKE_USAGE.output))
    stop = 'max_tokens'
  } else if (text.includes('[tool]') && tools.length) {
    for (const [i, input] of TOOL_ARGS.slice(0, single ? 1 : 2).entries()) blocks.push({ type: 'tool_use', id: `toolu_fake${i + 1}`, name: tools[0].name, input })
    stop = 'tool_use'
  } else if (text.includes('[json]') && format?.type === 'json_schema' && format.schema) {
    said = [JSON_REPLY.slice(0, 5), JSON_REPLY.slice(5)]
  } else {
    said = pieces
  }
  if (stop !== 'tool_use') blocks.push({ type: 'text', text: said.join('') })
  return { blocks, said, stop, output: cut ? max : FAKE_USAGE.output, thinking: reasoning ? Math.min(FAKE_USAGE.thinking, max) : 0 }
}

function usageFor(text: string, output: number, thinking: number) {
  const cached = text.includes('[cached]') ? FAKE_USAGE.cacheRead : 0
  const write1h = text.includes('[cache-write-1h]') ? FAKE_USAGE.cacheWrite : 0
  const write5m = !write1h && text.includes('[cache-write]') ? FAKE_USAGE.cacheWrite : 0
  return {
    input_tokens: FAKE_USAGE.prompt - cached,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: cached,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
    output_tokens: output,
    output_tokens_details: { thinking_tokens: thinking },
    server_tool_use: null,
    service_tier: 'standard',
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>
  } catch {
    return null
  }
}

export async function startFakeAnthropic(apiKey = 'sk-ant-fake'): Promise<FakeAnthropic> {
  const fake: FakeAnthropic = { url: '', apiKey, calls: [], close: async () => {} }
  const header = (req: IncomingMessage, name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined)
  const server = createServer(async (req, res) => {
    const body = await readJson(req)
    const call: AnthropicCall = { path: req.url ?? '', body: body ?? {}, aborted: false, apiKey: header(req, 'x-api-key'), version: header(req, 'anthropic-version'), beta: header(req, 'anthropic-beta') }
    fake.calls.push(call)
    res.on('close', () => {
      if (!res.writableFinished) call.aborted = true
    })
    if (call.apiKey !== apiKey) return error(res, 401, 'authentication_error', 'invalid x-api-key')
    if (!call.version) return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required')
    if (req.method !== 'POST' || (call.path !== '/v1/messages' && call.path !== '/v1/messages/count_tokens')) return error(res, 404, 'not_found_error', 'Not found')
    if (!body) return error(res, 400, 'invalid_request_error', 'There was an issue with the request body: not valid JSON')
    if (call.path === '/v1/messages/count_tokens') return send(res, 200, { input_tokens: FAKE_USAGE.prompt })
    const refused = invalid(body)
    if (refused) return error(res, 400, 'invalid_request_error', refused)

    const text = lastUserText(body)
    if (text.includes('[fault:400]')) return error(res, 400, 'invalid_request_error', 'messages.0.content: the fake refuses this request')
    if (text.includes('[fault:500]')) return error(res, 500, 'api_error', 'Internal server error')
    if (text.includes('[fault:529]')) return error(res, 529, 'overloaded_error', 'Overloaded')
    const limited = /\[fault:429(?::(\d+))?\]/.exec(text)
    if (limited)
      return error(res, 429, 'rate_limit_error', RATE_LIMIT_MESSAGE, {
        'retry-after': limited[1] ?? '7',
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': new Date(Date.now() + 7000).toISOString(),
      })
    const cut = CUTS.find((fault) => text.includes(`[fault:${fault}]`))
    if (!body.stream) {
      if (cut === 'malformed') return send(res, 200, '{"id": "msg_broken", "content": [')
      if (cut === 'reset') return void req.socket.destroy()
      if (cut === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"id": "msg_stalled", ')
        return untilClosed(res)
      }
    }
    if (text.includes('[fault:slow]')) await sleep(3_000)
    const wait = /\[delay:(\d+)\]/.exec(text)
    if (wait) await sleep(Number(wait[1]))
    if (res.destroyed) return

    const long = text.includes('[fault:long-stream]')
    const pieces = long ? Array.from({ length: 200 }, (_, i) => ` word${i}`) : FAKE_REPLY
    const { blocks, said, stop, output, thinking } = answer(body, text, pieces)
    const usage = usageFor(text, output, thinking)
    const message = { id: `msg_fake${fake.calls.length}`, type: 'message', role: 'assistant', model: body.model }
    if (!body.stream) return send(res, 200, { ...message, content: blocks, stop_reason: stop, stop_sequence: null, usage })

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId() })
    const write = (type: string, data: object | string) => !res.destroyed && res.write(`event: ${type}\ndata: ${typeof data === 'string' ? data : JSON.stringify({ type, ...data })}\n\n`)
    write('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1, output_tokens_details: null } } })
    write('ping', {})
    const delay = long ? 40 : 5
    let written = 0
    for (const [index, block] of blocks.entries()) {
      if (block.type === 'text') {
        write('content_block_start', { index, content_block: { type: 'text', text: '' } })
        for (const piece of said) {
          if (res.destroyed) return
          if (cut && written === CUT_REPLY.length) {
            if (cut === 'stream-error') write('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })
            if (cut === 'malformed') write('content_block_delta', '{"type": "content_block_delta", "index": ')
            if (cut === 'reset') return void req.socket.destroy()
            if (cut === 'stall') return untilClosed(res)
            return res.end()
          }
          write('content_block_delta', { index, delta: { type: 'text_delta', text: piece } })
          written++
          await sleep(delay)
        }
      } else if (block.type === 'thinking') {
        write('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } })
        for (const part of FAKE_THINKING) write('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: part } })
        write('content_block_delta', { index, delta: { type: 'signature_delta', signature: FAKE_SIGNATURE } })
      } else {
        // Tool input arrives as JSON fragments: the first empty, the rest split mid-object.
        write('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } })
        const json = JSON.stringify(block.input)
        for (const fragment of ['', json.slice(0, 8), json.slice(8)]) write('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: fragment } })
      }
      write('content_block_stop', { index })
    }
    const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, output_tokens_details, server_tool_use } = usage
    write('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, output_tokens_details, server_tool_use } })
    write('message_stop', {})
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  return fake
}
