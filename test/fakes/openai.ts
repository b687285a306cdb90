// A FAKE of OpenAI's API for gateway tests, on 127.0.0.1: chat completions (plain and SSE, in
// OpenAI's exact shapes) and image generation. Faults are chosen by markers in the last user
// message, so each test asks for the behaviour it checks:
//   [fault:401] [fault:500] [fault:400] [fault:malformed] [fault:slow] [fault:no-usage]
//   [fault:long-stream] (200 chunks, 40 ms apart) [fault:stream-error]
//   [delay:N] answers after N ms
// Usage is fixed: 1,000 prompt tokens (800 cached with [cached]), 500 completion tokens
// (100 of them reasoning with [reasoning]).
import { createServer, type ServerResponse } from 'node:http'

export type OpenAICall = { path: string; body: Record<string, unknown>; aborted: boolean; authorization?: string }
export type FakeOpenAI = { url: string; apiKey: string; calls: OpenAICall[]; close: () => Promise<void> }

export const FAKE_REPLY = ['Hello', ' from', ' the', ' fake', ' OpenAI', '.']

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? []
  const last = [...messages].reverse().find((m) => m.role === 'user')
  return typeof last?.content === 'string' ? last.content : typeof body.prompt === 'string' ? body.prompt : ''
}

function usageFor(text: string) {
  return {
    prompt_tokens: 1000,
    completion_tokens: 500,
    total_tokens: 1500,
    prompt_tokens_details: { cached_tokens: text.includes('[cached]') ? 800 : 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: text.includes('[reasoning]') ? 100 : 0, audio_tokens: 0 },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `fake_${Date.now()}` })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

export async function startFakeOpenAI(apiKey = 'sk-fake-openai'): Promise<FakeOpenAI> {
  const fake: FakeOpenAI = { url: '', apiKey, calls: [], close: async () => {} }
  const server = createServer(async (req, res) => {
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
    const text = lastUserText(body)
    if (text.includes('[fault:401]'))
      return send(res, 401, { error: { message: `Incorrect API key provided: ${apiKey.slice(0, 3)}…${apiKey.slice(-4)}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    if (text.includes('[fault:500]')) return send(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
    if (text.includes('[fault:400]'))
      return send(res, 400, { error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } })
    if (text.includes('[fault:malformed]')) return send(res, 200, '{"id": "chatcmpl-broken", "choices": [')
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

    const usage = text.includes('[fault:no-usage]') ? undefined : usageFor(text)
    const id = `chatcmpl-fake${fake.calls.length}`
    const created = Math.floor(Date.now() / 1000)
    if (!body.stream) {
      return send(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: FAKE_REPLY.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
        ...(usage ? { usage } : {}),
      })
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
    const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })
    const write = (data: unknown) => !res.destroyed && res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    const pieces = text.includes('[fault:long-stream]') ? Array.from({ length: 200 }, (_, i) => ` word${i}`) : FAKE_REPLY
    const delay = text.includes('[fault:long-stream]') ? 40 : 5
    write(chunk({ role: 'assistant', content: '' }, null))
    for (const [i, piece] of pieces.entries()) {
      if (res.destroyed) return
      if (text.includes('[fault:stream-error]') && i === 2) {
        write({ error: { message: 'The model crashed mid-stream', type: 'server_error' } })
        return res.end()
      }
      write(chunk({ content: piece }, null))
      await sleep(delay)
    }
    write(chunk({}, 'stop'))
    if (includeUsage && usage) write({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })
    write('[DONE]')
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return fake
}
