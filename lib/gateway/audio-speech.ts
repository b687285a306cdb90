import 'server-only'
// POST /api/v1/audio/speech: text to speech, the audio streamed back as it arrives (pulled from
// the upstream one chunk per read of the client: never buffered whole), with its content type.
// Priced per character for tts-1 / tts-1-hd (known before the call: said in the headers at once)
// and per token for gpt-4o-mini-tts: from speech.audio.done's usage with stream_format "sse";
// for raw audio, which reports none, estimated ('estimated'): text tokens counted with o200k, and
// audio tokens at OpenAI's 1,250 a minute of the audio's duration — exact from the bytes for
// pcm and wav (24 kHz 16-bit mono), from the characters at ~15 a second ÷ speed otherwise.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { z } from 'zod'
import { errorBody, type AppError } from '@/lib/errors'
import { audioRoute, audioRouter, type AudioRoute } from '@/lib/gateway/audio-route'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { sseEvents, sseFrame } from '@/lib/gateway/sse'
import { clientLeft, guardStream } from '@/lib/gateway/stream-guard'
import { costColumns } from '@/lib/metering/row'
import { countCharacters, findAudioModel, priceAudio, speechSeconds, ttsAudioTokens } from '@/lib/pricing/audio'
import { buildSpeech, SPEECH_CONTENT_TYPES, speechUsage } from '@/lib/providers/openai-audio'
import { readChunk, send, UpstreamError } from '@/lib/providers/transport'

const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const
const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const
const MAX_INPUT = 4_096

export const SpeechSchema = z
  .object({
    model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
    input: z
      .string({ error: 'is required' })
      .min(1, { error: 'is required' })
      .refine((s) => countCharacters(s) <= MAX_INPUT, { error: `must be at most ${MAX_INPUT.toLocaleString('en-US')} characters` }),
    voice: z.union([z.enum(VOICES), z.object({ id: z.string().min(1).max(200) }).strict()], { error: `must be one of ${VOICES.join(', ')}, or {"id": "voice_…"}` }),
    instructions: z.string().max(MAX_INPUT, { error: `must be at most ${MAX_INPUT.toLocaleString('en-US')} characters` }).optional(),
    response_format: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(', ')}` }).default('mp3'),
    speed: z.number({ error: 'must be a number' }).min(0.25, { error: 'must be between 0.25 and 4' }).max(4, { error: 'must be between 0.25 and 4' }).default(1),
    stream_format: z.enum(['audio', 'sse'], { error: 'must be audio or sse' }).default('audio'),
    campaign: z.string().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const model = findAudioModel(body.model)
    if (!model || model.steerable) return
    if (body.instructions !== undefined) ctx.addIssue({ code: 'custom', path: ['instructions'], message: `is not supported by ${model.id}` })
    if (body.stream_format === 'sse') ctx.addIssue({ code: 'custom', path: ['stream_format'], message: `sse is not supported by ${model.id}` })
  })
type Speech = z.infer<typeof SpeechSchema>

/** PCM as OpenAI sends it: 24 kHz, 16-bit, mono. */
const PCM_BYTES_PER_SECOND = 48_000

/** The cost of a speech call, from what is known once it ends (or is cut after `audioBytes`). */
export function speechCost(route: AudioRoute, body: Speech, audioBytes: number, usage: { inputTokens: number; outputTokens: number } | null) {
  const characters = countCharacters(body.input)
  // OpenAI bills tts-1 for the input it was sent, whether or not the audio was all read.
  if (route.audio.rates.input_mchar) return { cost: priceAudio(route.audio, { characters }), characters }
  if (usage) return { cost: priceAudio(route.audio, { textInTokens: usage.inputTokens, audioOutTokens: usage.outputTokens }), tokens: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens } }
  const textIn = countTokens(body.input) + (body.instructions ? countTokens(body.instructions) : 0)
  const fromBytes = body.response_format === 'pcm' || body.response_format === 'wav'
  const seconds = fromBytes ? Math.max(0, audioBytes - (body.response_format === 'wav' ? 44 : 0)) / PCM_BYTES_PER_SECOND : speechSeconds(characters, body.speed)
  // A cut compressed stream: its length is unknown, so the whole answer's estimate stands.
  const audioOut = ttsAudioTokens(seconds)
  return { cost: priceAudio(route.audio, { textInTokens: textIn, audioOutTokens: audioOut }, 'estimated'), tokens: { input_tokens: textIn, output_tokens: audioOut }, method: fromBytes ? 'pcm_bytes' : 'characters' }
}

/** The most the call can cost: tts-1 exactly; gpt-4o-mini-tts with four times the expected speech (+10 s) held. */
function speechHold(route: AudioRoute, body: Speech) {
  if (route.audio.rates.input_mchar) return priceAudio(route.audio, { characters: countCharacters(body.input) })
  const textIn = countTokens(body.input) + (body.instructions ? countTokens(body.instructions) : 0)
  const seconds = 4 * speechSeconds(countCharacters(body.input), Math.min(1, body.speed)) + 10
  return priceAudio(route.audio, { textInTokens: textIn, audioOutTokens: ttsAudioTokens(seconds) }, 'estimated')
}

/** POST /api/v1/audio/speech */
export async function handleSpeech(call: GatewayCall): Promise<Response> {
  const { input: body, route: opened } = await call.open(SpeechSchema, 'unknown', audioRouter('speech'))
  const route = audioRoute(call, opened)
  const hold = speechHold(route, body)
  await call.admit(1, hold.totalCost)
  const { campaign: _campaign, ...fields } = body
  void _campaign
  const sse = body.stream_format === 'sse'
  const upstreamBody = { ...fields, model: route.audio.id, ...(sse ? {} : { stream_format: undefined }) }
  const guard = guardStream(call)
  const { clock, release } = guard
  let upstream: Response
  try {
    upstream = await send(route.adapter, buildSpeech(upstreamBody, route.config, route.simulated), clock.signal, clock)
    if (!upstream.body) throw new UpstreamError('malformed', 'the upstream sent no audio')
  } catch (error) {
    release()
    throw error
  }

  let bytes = 0
  let usage: { inputTokens: number; outputTokens: number } | null = null
  let firstByteMs: number | null = null
  let finished = false
  const CLIENT_LEFT = clientLeft()
  const finish = (error?: AppError) => {
    if (finished) return
    finished = true
    release()
    const priced = speechCost(route, body, bytes, usage)
    call.record(
      {
        provider: route.servedBy,
        model: route.audio.id,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstByteMs,
        ...(priced.tokens ?? {}),
        ...costColumns(priced.cost, route.simulated),
        response_payload: call.sanitize({ audio_bytes: bytes, response_format: body.response_format, ...(error && error !== CLIENT_LEFT ? errorBody(error) : {}) }),
        metadata: {
          usage_source: usage ? 'upstream' : priced.characters !== undefined ? 'characters' : `estimated_from_${priced.method}`,
          ...(priced.characters !== undefined ? { input_characters: priced.characters } : {}),
          voice: body.voice,
          stream_format: body.stream_format,
        },
      },
      'now',
    )
  }
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, thrown: unknown) => {
    const error = guard.failure(thrown, route.adapter.id)
    if (!error) return finish(CLIENT_LEFT)
    finish(error)
    // Raw audio cannot carry an error after its first byte: the stream is cut (the client sees a
    // network error, not a clean end). SSE says it as an event.
    if (sse) {
      controller.enqueue(sseFrame(errorBody(error)))
      controller.close()
    } else controller.error(error)
  }

  const events = sse ? sseEvents(upstream.body, clock.signal)[Symbol.asyncIterator]() : null
  const reader = sse ? null : upstream.body.getReader()
  const stream = new ReadableStream<Uint8Array>({
    // Pulled: the next upstream chunk is read only when the client has taken the last one.
    async pull(controller) {
      try {
        if (events) {
          const next = await events.next()
          if (next.done) throw new UpstreamError('malformed', 'the upstream stream ended before speech.audio.done')
          clock.touch()
          const event = JSON.parse(next.value) as { type?: string; audio?: unknown }
          if (event.type === 'speech.audio.delta' && typeof event.audio === 'string') {
            firstByteMs ??= call.elapsedMs()
            bytes += Buffer.byteLength(event.audio, 'base64')
          }
          if (event.type === 'speech.audio.done') usage = speechUsage(event)
          controller.enqueue(sseFrame(next.value))
          if (event.type === 'speech.audio.done') {
            finish()
            controller.close()
          }
          return
        }
        const { done, value } = await readChunk(reader!, clock.signal)
        if (done) {
          finish()
          return controller.close()
        }
        clock.touch()
        firstByteMs ??= call.elapsedMs()
        bytes += value.byteLength
        controller.enqueue(value)
      } catch (thrown) {
        fail(controller, thrown instanceof SyntaxError ? new UpstreamError('malformed', 'the upstream sent a malformed stream event') : thrown)
      }
    },
    cancel() {
      guard.abort()
      finish(CLIENT_LEFT)
    },
  })
  call.holdShutdownUntilRecorded()
  const known = route.audio.rates.input_mchar ? hold.totalCost : null
  if (known !== null) call.sayCost(known, 'priced')
  return new Response(stream, {
    headers: {
      'content-type': sse ? 'text/event-stream; charset=utf-8' : (upstream.headers.get('content-type') ?? SPEECH_CONTENT_TYPES[body.response_format]),
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      ...(known === null ? { 'x-tollgate-cost-status': 'pending' } : {}),
    },
  })
}
