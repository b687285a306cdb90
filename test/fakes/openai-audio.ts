// The fake OpenAI's audio endpoints (dispatched from test/fakes/openai.ts), in OpenAI's shapes:
//   POST /audio/transcriptions, /audio/translations (multipart): each response_format (json,
//   text, srt, vtt, verbose_json); whisper-1 reports usage {type: duration, seconds: 42}
//   (FAKE_WHISPER_SECONDS) whatever the file; the gpt-4o models FAKE_TOKEN_USAGE; `stream=true`
//   on them answers transcript.text.delta events and transcript.text.done {usage}.
//   POST /audio/speech (JSON): FAKE_SPEECH's bytes in 4 chunks, 5 ms apart, with the format's
//   content type; stream_format "sse": speech.audio.delta events, then speech.audio.done
//   {usage: FAKE_SPEECH_USAGE}.
// Markers in `prompt` (transcription) or `input` (speech): [fault:500]; [fault:stall] (speech:
// the first chunk, then silence until the gateway hangs up).
// Calls are recorded with their fields; of an uploaded file only its name, size and type.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FakeOpenAI } from '@/test/fakes/openai'

export const FAKE_TRANSCRIPT = 'The quick brown fox jumps over the lazy dog.'
export const FAKE_TRANSLATION = 'Hello from the fake translation.'
export const FAKE_WHISPER_SECONDS = 42
export const FAKE_TOKEN_USAGE = { type: 'tokens', input_tokens: 1100, input_token_details: { text_tokens: 100, audio_tokens: 1000 }, output_tokens: 50, total_tokens: 1150 }
/** 64,000 bytes (4 chunks of 16,000): 1⅓ s of 24 kHz 16-bit PCM. */
export const FAKE_SPEECH = Buffer.from(Array.from({ length: 64_000 }, (_, i) => (i * 7) % 251))
export const FAKE_SPEECH_USAGE = { input_tokens: 12, output_tokens: 900, total_tokens: 912 }

const CONTENT_TYPES: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function transcribe(endpoint: string, form: FormData, res: ServerResponse, call: { body: Record<string, unknown> }) {
  const fields: Record<string, unknown> = {}
  for (const [name, value] of form.entries()) fields[name] = typeof value === 'string' ? value : { name: value.name, size: value.size, type: value.type }
  call.body = fields
  const model = String(form.get('model'))
  if (String(form.get('prompt') ?? '').includes('[fault:500]')) return json(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
  if (!(form.get('file') instanceof File)) return json(res, 400, { error: { message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: null } })
  const text = endpoint === 'translations' ? FAKE_TRANSLATION : FAKE_TRANSCRIPT
  const whisper = model === 'whisper-1'
  const usage = whisper ? { type: 'duration', seconds: FAKE_WHISPER_SECONDS } : FAKE_TOKEN_USAGE
  if (!whisper && form.get('stream') === 'true') {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const delta of text.split(/(?= )/)) {
      if (res.destroyed) return
      res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta, logprobs: [] })}\n\n`)
      await sleep(5)
    }
    res.write(`data: ${JSON.stringify({ type: 'transcript.text.done', text, logprobs: [], usage })}\n\n`)
    return void res.end()
  }
  const format = String(form.get('response_format') ?? 'json')
  const plain = (body: string): void => void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body)
  if (format === 'text') return plain(`${text}\n`)
  if (format === 'srt') return plain(`1\n00:00:00,000 --> 00:00:42,000\n${text}\n\n`)
  if (format === 'vtt') return plain(`WEBVTT\n\n00:00:00.000 --> 00:00:42.000\n${text}\n\n`)
  if (format === 'verbose_json')
    return json(res, 200, { task: endpoint === 'translations' ? 'translate' : 'transcribe', language: 'english', duration: FAKE_WHISPER_SECONDS, text, segments: [{ id: 0, start: 0, end: FAKE_WHISPER_SECONDS, text }], usage })
  return json(res, 200, { text, usage })
}

async function speak(body: Record<string, unknown>, res: ServerResponse) {
  const input = String(body.input ?? '')
  if (input.includes('[fault:500]')) return json(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
  const chunks = [0, 1, 2, 3].map((i) => FAKE_SPEECH.subarray(i * 16_000, (i + 1) * 16_000))
  const stall = input.includes('[fault:stall]')
  if (body.stream_format === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const chunk of chunks) {
      if (res.destroyed) return
      res.write(`data: ${JSON.stringify({ type: 'speech.audio.delta', audio: chunk.toString('base64') })}\n\n`)
      await sleep(5)
    }
    res.write(`data: ${JSON.stringify({ type: 'speech.audio.done', usage: FAKE_SPEECH_USAGE })}\n\n`)
    return void res.end()
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[String(body.response_format ?? 'mp3')] ?? 'audio/mpeg', 'transfer-encoding': 'chunked' })
  for (const chunk of chunks) {
    if (res.destroyed) return
    res.write(chunk)
    if (stall) return new Promise<void>((resolve) => res.once('close', () => resolve()))
    await sleep(5)
  }
  res.end()
}

/** Serves one /audio/* request of the fake OpenAI (its key already checked by the caller). */
export async function serveFakeAudio(fake: FakeOpenAI, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  const call = { path: req.url ?? '', body: {} as Record<string, unknown>, aborted: false, authorization: req.headers.authorization }
  fake.calls.push(call)
  res.on('close', () => {
    if (!res.writableFinished) call.aborted = true
  })
  if (req.headers.authorization !== `Bearer ${fake.apiKey}`) return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
  if (req.url === '/audio/speech') {
    call.body = JSON.parse(raw.toString() || '{}')
    return speak(call.body, res)
  }
  const endpoint = req.url === '/audio/translations' ? 'translations' : 'transcriptions'
  const form = await new Response(raw, { headers: { 'content-type': String(req.headers['content-type']) } }).formData()
  return transcribe(endpoint, form, res, call)
}
