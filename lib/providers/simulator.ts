// The simulator: serves every model when its vendor has no key configured, so the product
// works offline. Deterministic (same prompt, same answer), clearly labelled, and shaped exactly
// like OpenAI's answers so the gateway's real parsing runs. Rows it produces say provider
// "simulator" and are priced as the requested model would be.
import { createHash } from 'node:crypto'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { simulatedEmbeddings, simulatedModeration } from '@/lib/providers/embeddings-simulator'
import { openai } from '@/lib/providers/openai'
import { serveAudio } from '@/lib/providers/openai-audio-simulator'
import { errorText } from '@/lib/providers/transport'
import type { ChatRequestBody, HttpCall, ParsedBody, ProviderAdapter, VideoRequest } from '@/lib/providers/types'

const SIMULATOR_BASE = 'http://simulator.invalid'
const CHUNK_DELAY_MS = 15
const VIDEO_JOB_MS = 2_500

const WORDS = (
  'tollgate meters every call so that teams see what their users spend on models and can cap it before the bill arrives ' +
  'this reply comes from the built-in simulator because no provider key is configured for the requested model'
).split(' ')

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function promptText(body: ChatRequestBody): string {
  return body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
}

/** A deterministic reply of 12–40 words, never more tokens than max_tokens allows. */
function replyFor(body: ChatRequestBody): string[] {
  const seed = digest(`${body.model}\n${promptText(body)}`)
  const length = 12 + (seed[0] % 29)
  const cap = body.max_completion_tokens ?? body.max_tokens ?? Infinity
  const words: string[] = []
  for (let i = 0; words.length < length; i++) {
    const word = i === 0 ? `[Simulated ${body.model}]` : ` ${WORDS[(seed[i % 32] + i * 7) % WORDS.length]}`
    if (countTokens(words.join('') + word) > cap) break
    words.push(word)
  }
  return words
}

function usageFor(body: ChatRequestBody, reply: string[]) {
  const prompt = countTokens(promptText(body)) + 3 * body.messages.length + 3
  const completion = countTokens(reply.join(''))
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }
}

function chatResponse(body: ChatRequestBody, signal: AbortSignal): Response {
  const reply = replyFor(body)
  const id = `chatcmpl-sim-${digest(promptText(body)).toString('hex').slice(0, 12)}`
  const created = Math.floor(Date.now() / 1000)
  const usage = usageFor(body, reply)
  if (!body.stream) {
    return Response.json({
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage,
    })
  }
  const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], usage: null })
  const events = [chunk({ role: 'assistant', content: '' }, null), ...reply.map((w) => chunk({ content: w }, null)), chunk({}, 'stop')]
  if (body.stream_options?.include_usage) events.push({ ...chunk({}, null), choices: [], usage } as never)
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const event of events) {
        if (signal.aborted) return controller.close()
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`))
        await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS))
      }
      controller.enqueue(encoder.encode('data: [DONE]\n\n'))
      controller.close()
    },
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A labelled placeholder picture: colours from the prompt, the prompt's first words on it. */
function placeholderSvg(prompt: string, label: string, size = '1024x1024'): string {
  const [w, h] = size.split('x').map((n) => Number(n) || 1024)
  const seed = digest(prompt)
  const hue = (seed[0] * 360) / 256
  const caption = escapeXml(prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,35%)"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><text x="50%" y="46%" text-anchor="middle" font-family="sans-serif" font-size="${Math.round(w / 24)}" fill="white">${caption}</text><text x="50%" y="56%" text-anchor="middle" font-family="sans-serif" font-size="${Math.round(w / 40)}" fill="white" opacity="0.8">${escapeXml(label)}</text></svg>`
}

function imageResponse(body: { model: string; prompt: string; n?: number; size?: string; quality?: string; response_format?: string }): Response {
  const size = body.size && /^\d+x\d+$/.test(body.size) ? body.size : '1024x1024'
  const data = Array.from({ length: body.n ?? 1 }, (_, i) => {
    const svg = Buffer.from(placeholderSvg(`${body.prompt}`, `Simulated ${body.model} · image ${i + 1}`, size)).toString('base64')
    return body.response_format === 'url' ? { url: `data:image/svg+xml;base64,${svg}` } : { b64_json: svg }
  })
  return Response.json({ created: Math.floor(Date.now() / 1000), data, size, quality: body.quality })
}

/** Job ids carry their own start time and duration, so polling needs no shared state. */
function videoId(req: { seconds: number }): string {
  return `sim_${Date.now()}_${req.seconds}_${digest(String(Math.random())).toString('hex').slice(0, 8)}`
}

function videoStatus(id: string): Response {
  const match = /^sim_(\d+)_(\d+(?:\.\d+)?)_[0-9a-f]+$/.exec(id)
  if (!match) return Response.json({ detail: `Unknown job ${id}` }, { status: 404 })
  const started = Number(match[1])
  const elapsed = Date.now() - started
  if (elapsed < VIDEO_JOB_MS)
    return Response.json({ id, state: elapsed < VIDEO_JOB_MS / 3 ? 'queued' : 'running', progress: Math.min(0.99, elapsed / VIDEO_JOB_MS) })
  const poster = Buffer.from(placeholderSvg(id, 'Simulated video', '1280x720')).toString('base64')
  return Response.json({ id, state: 'succeeded', seconds: Number(match[2]), output: `data:image/svg+xml;base64,${poster}` })
}

async function serve(call: HttpCall, signal: AbortSignal): Promise<Response> {
  const path = call.url.slice(SIMULATOR_BASE.length)
  if (path.startsWith('/audio/')) return serveAudio(path, call, signal)
  const body = typeof call.body === 'string' ? JSON.parse(call.body) : undefined
  if (path === '/chat/completions') return chatResponse(body, signal)
  if (path === '/images/generations') return imageResponse(body)
  if (path === '/embeddings') return simulatedEmbeddings(body)
  if (path === '/moderations') return simulatedModeration(body)
  if (path === '/videos' && call.method === 'POST') return Response.json({ id: videoId(body) })
  if (path.startsWith('/videos/')) return videoStatus(decodeURIComponent(path.slice('/videos/'.length)))
  return Response.json({ detail: `The simulator does not serve ${call.method} ${path}` }, { status: 404 })
}

const post = (path: string, body: unknown): HttpCall => ({ method: 'POST', url: `${SIMULATOR_BASE}${path}`, headers: {}, body: JSON.stringify(body) })

/** A POST to the simulator: the gateway's embeddings and moderations build their own. */
export const simulatorPost = post

export const simulator: ProviderAdapter = {
  id: 'simulator',
  parseError: (status, body: ParsedBody) => errorText(body, status),
  serve,
  chat: { ...openai.chat!, buildRequest: (body) => post('/chat/completions', body) },
  image: {
    buildRequest: (req) => post('/images/generations', { model: req.model, prompt: req.prompt, n: req.n, size: req.size, quality: req.quality, response_format: req.responseFormat }),
    parseResponse: openai.image!.parseResponse,
  },
  video: {
    buildCreate: (req: VideoRequest) => post('/videos', { model: req.model, seconds: req.seconds }),
    parseCreate: (body) => ({ jobId: String((body.json as { id: string }).id) }),
    buildPoll: (jobId) => ({ method: 'GET', url: `${SIMULATOR_BASE}/videos/${encodeURIComponent(jobId)}`, headers: {} }),
    parsePoll: (body) => {
      const j = body.json as { state: 'queued' | 'running' | 'succeeded'; progress?: number; output?: string; seconds?: number }
      return { state: j.state, progress: j.progress, outputUrl: j.output, seconds: j.seconds }
    },
  },
}
