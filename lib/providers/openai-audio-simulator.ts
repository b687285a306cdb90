// The simulator's audio endpoints (no OpenAI key): deterministic, offline, in OpenAI's shapes, so
// the gateway's real parsing and pricing run. A transcript names the file and how long it lasts;
// speech is a short valid WAV of silence (raw PCM for `pcm`), as bytes or as speech.audio.* SSE.
import { createHash } from 'node:crypto'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { audioDuration, silentWav } from '@/lib/gateway/audio-duration'
import { countCharacters, speechSeconds, ttsAudioTokens } from '@/lib/pricing/audio'
import type { HttpCall } from '@/lib/providers/types'
import { subtitleClock } from '@/lib/providers/openai-audio'

const CHUNK_DELAY_MS = 15
const SPEECH_SECONDS_MAX = 10
const json = (body: unknown, status = 200) => Response.json(body, { status })
const refuse = (message: string) => json({ error: { message, type: 'invalid_request_error', param: null, code: null } }, 400)

function sseStream(events: unknown[], signal: AbortSignal): Response {
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const event of events) {
        if (signal.aborted) return controller.close()
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`))
        await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS))
      }
      controller.close()
    },
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
}

const clock = subtitleClock

async function transcribe(endpoint: string, form: FormData, signal: AbortSignal): Promise<Response> {
  const file = form.get('file')
  const model = String(form.get('model') ?? '')
  if (!(file instanceof File)) return refuse('file is required')
  const bytes = new Uint8Array(await file.arrayBuffer())
  // The header's length when the file says it; else a deterministic 1–60 s from its bytes.
  const seed = createHash('sha256').update(bytes).digest()
  const duration = Math.ceil(audioDuration(bytes)?.seconds ?? 1 + (seed[0] % 60))
  const text = `[Simulated ${model}] ${endpoint === 'translations' ? 'English translation' : 'transcript'} of ${file.name}, ${duration} seconds of audio.`
  const format = String(form.get('response_format') ?? 'json')
  const whisper = model === 'whisper-1'
  const prompt = String(form.get('prompt') ?? '')
  const textTokens = prompt ? countTokens(prompt) : 0
  const audioTokens = Math.ceil((duration * 1000) / 60)
  const outputTokens = countTokens(text)
  const usage = whisper
    ? { type: 'duration', seconds: duration }
    : { type: 'tokens', input_tokens: audioTokens + textTokens, input_token_details: { audio_tokens: audioTokens, text_tokens: textTokens }, output_tokens: outputTokens, total_tokens: audioTokens + textTokens + outputTokens }
  if (!whisper && form.get('stream') === 'true') {
    const words = text.split(/(?= )/)
    return sseStream([...words.map((delta) => ({ type: 'transcript.text.delta', delta })), { type: 'transcript.text.done', text, usage }], signal)
  }
  const plain = (body: string) => new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  if (format === 'text') return plain(text)
  if (format === 'srt') return plain(`1\n${clock(0, ',')} --> ${clock(duration, ',')}\n${text}\n\n`)
  if (format === 'vtt') return plain(`WEBVTT\n\n${clock(0, '.')} --> ${clock(duration, '.')}\n${text}\n\n`)
  if (format === 'verbose_json')
    return json({ task: endpoint === 'translations' ? 'translate' : 'transcribe', language: 'english', duration, text, segments: [{ id: 0, seek: 0, start: 0, end: duration, text, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 1, no_speech_prob: 0 }], usage })
  return json({ text, usage })
}

function speak(body: Record<string, unknown>, signal: AbortSignal): Response {
  const input = String(body.input ?? '')
  const speed = typeof body.speed === 'number' ? body.speed : 1
  const seconds = Math.min(SPEECH_SECONDS_MAX, speechSeconds(countCharacters(input), speed))
  const format = String(body.response_format ?? 'mp3')
  // PCM is headerless 24 kHz 16-bit mono, as OpenAI's; every other format gets a WAV (labelled so).
  const audio = format === 'pcm' ? silentWav(seconds).subarray(44) : silentWav(seconds)
  const chunks = Array.from({ length: Math.ceil(audio.length / 16_384) }, (_, i) => audio.subarray(i * 16_384, (i + 1) * 16_384))
  if (body.stream_format === 'sse') {
    const inputTokens = countTokens(input) + (typeof body.instructions === 'string' ? countTokens(body.instructions) : 0)
    const outputTokens = ttsAudioTokens(seconds)
    return sseStream(
      [
        ...chunks.map((c) => ({ type: 'speech.audio.delta', audio: Buffer.from(c).toString('base64') })),
        { type: 'speech.audio.done', usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens } },
      ],
      signal,
    )
  }
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const chunk of chunks) {
        if (signal.aborted) return controller.close()
        controller.enqueue(new Uint8Array(chunk))
        await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS))
      }
      controller.close()
    },
  })
  return new Response(stream, { headers: { 'content-type': format === 'pcm' ? 'audio/pcm' : 'audio/wav' } })
}

/** The simulator's answer to a call to /audio/* (path after the base URL). */
export async function serveAudio(path: string, call: HttpCall, signal: AbortSignal): Promise<Response> {
  if ((path === '/audio/transcriptions' || path === '/audio/translations') && call.body instanceof FormData) return transcribe(path.slice('/audio/'.length), call.body, signal)
  if (path === '/audio/speech' && typeof call.body === 'string') return speak(JSON.parse(call.body) as Record<string, unknown>, signal)
  return json({ detail: `The simulator does not serve ${call.method} ${path}` }, 404)
}
