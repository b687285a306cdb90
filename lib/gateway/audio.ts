import 'server-only'
// POST /api/v1/audio/transcriptions and /translations: a multipart upload, capped while it is
// read (lib/http/multipart.ts), validated, admitted with the call's worst case held, forwarded to
// OpenAI as a form rebuilt from the validated fields, and priced from what OpenAI reports.
// whisper-1 is billed per second of audio (usage.seconds, or verbose_json's duration: for text,
// srt and vtt, which carry no usage, verbose_json is asked of OpenAI and the format written here,
// never trusting the duration the caller's own file header claims); the gpt-4o models per token
// (prompt text, audio in, text out). Audio bytes are never logged or stored.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { env } from '@/lib/env'
import { AUDIO_HEAD_BYTES, audioDuration, type Duration } from '@/lib/gateway/audio-duration'
import { formObject, TranscriptionSchema, TranslationSchema, type AudioFields } from '@/lib/gateway/audio-form'
import { audioRoute, audioRouter, type AudioRoute } from '@/lib/gateway/audio-route'
import { streamTranscription } from '@/lib/gateway/audio-stream'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { readMultipart } from '@/lib/http/multipart'
import { costColumns } from '@/lib/metering/row'
import { MIN_AUDIO_BYTES_PER_SECOND, priceAudio, TRANSCRIBE_AUDIO_TOKENS_PER_SECOND_MAX, type AudioModel } from '@/lib/pricing/audio'
import type { CostBreakdown } from '@/lib/pricing/types'
import { buildTranscription, renderTranscript, transcriptionUsage, type TranscriptionUsage } from '@/lib/providers/openai-audio'
import { exchange, UpstreamError } from '@/lib/providers/transport'

type Endpoint = 'transcriptions' | 'translations'

/** What the gateway knows of the upload's length before sending it: the header's, or a bound from its size. */
export type AudioLength = { measured: Duration | null; boundSeconds: number }

export function audioLength(head: Uint8Array, size: number): AudioLength {
  const measured = audioDuration(head, size)
  // A header's claim is trusted for the hold only when exact; an estimate or nothing falls back to
  // the longest the file could last at the lowest bitrate any accepted format carries speech in.
  const bound = Math.ceil(size / MIN_AUDIO_BYTES_PER_SECOND)
  // Only a PCM WAV's length is physics (its bytes over sample rate × frame size, as a decoder
  // plays them); a FLAC sample count or an MP3 frame count is a field the caller may have written.
  return { measured, boundSeconds: measured?.exact && measured.format === 'wav' ? Math.min(bound, Math.ceil(measured.seconds)) : bound }
}

/** The most the call can cost: the whole file at the model's unit, and a full answer. */
export function transcriptionHold(model: AudioModel, length: AudioLength, prompt: string | undefined): CostBreakdown {
  if (model.rates.minute) return priceAudio(model, { audioMs: length.boundSeconds * 1000 }, 'estimated')
  const audioTokens = Math.min(model.contextTokens ?? Infinity, length.boundSeconds * TRANSCRIBE_AUDIO_TOKENS_PER_SECOND_MAX)
  return priceAudio(model, { textInTokens: prompt ? countTokens(prompt) : 0, audioInTokens: audioTokens, textOutTokens: model.maxOutputTokens ?? 2_000 }, 'estimated')
}

/**
 * The cost of a finished transcription. Token models are priced from their usage. whisper-1 from
 * the seconds OpenAI reports; else (text, srt, vtt carry no usage) from the upload's header, whole
 * seconds rounded up as OpenAI reports them: exact for WAV, FLAC and tagged MP3 ('priced'), from
 * the bitrate for untagged MP3 ('estimated'); with no readable header, the worst case the hold
 * took ('estimated': the most the file could last at 6 kbps — never less than OpenAI bills).
 */
export function transcriptionCost(model: AudioModel, usage: TranscriptionUsage | null, length: AudioLength, hold: CostBreakdown, outputText: string) {
  if (usage?.type === 'tokens')
    return { cost: priceAudio(model, { textInTokens: usage.textTokens, audioInTokens: usage.audioTokens, textOutTokens: usage.outputTokens }), tokens: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens }, source: 'upstream' }
  if (model.rates.minute) {
    const reported = usage?.type === 'duration' ? usage.seconds : null
    const seconds = reported ?? (length.measured ? Math.ceil(length.measured.seconds) : length.boundSeconds)
    const status = reported !== null || length.measured?.exact ? 'priced' : 'estimated'
    const source = reported !== null ? `upstream_${usage!.type === 'duration' ? usage!.from : ''}` : length.measured ? `${length.measured.format}_header` : 'worst_case_bound'
    return { cost: priceAudio(model, { audioMs: Math.round(seconds * 1000) }, status), audioSeconds: seconds, source }
  }
  // A token model that reported nothing: its held worst case, with the text it wrote counted.
  return { cost: { ...hold, costStatus: 'estimated' as const }, tokens: { output_tokens: countTokens(outputText) }, source: 'worst_case_bound' }
}

function handler(endpoint: Endpoint) {
  return async (call: GatewayCall): Promise<Response> => {
    const form = await readMultipart(call.request, env.AUDIO_UPLOAD_MAX_BYTES)
    const schema = endpoint === 'transcriptions' ? TranscriptionSchema : TranslationSchema
    const { input, route: opened } = await call.openFields(formObject(form), schema, 'unknown', audioRouter(endpoint))
    const route = audioRoute(call, opened)
    const fields = input as AudioFields
    const file = form.files.get('file')![0]
    // Only the file's head is copied out to read its header.
    const length = audioLength(new Uint8Array(await file.slice(0, AUDIO_HEAD_BYTES).arrayBuffer()), file.size)
    const hold = transcriptionHold(route.audio, length, fields.prompt)
    await call.admit(1, hold.totalCost)

    // Tollgate's own field (campaign) and the file's description stay here; the model goes as served.
    const { file: _file, campaign: _campaign, model: _model, stream, ...rest } = fields
    void [_file, _campaign, _model]
    // whisper-1 ignores `stream` at OpenAI (it answers whole): it is not sent, and the answer is plain.
    const streamed = stream === true && route.audio.streams === true
    // whisper-1's plain formats say no duration: OpenAI is asked for verbose_json (which does), and
    // the caller's format is written from it (complete()).
    const plain = isPlain(fields.response_format) && route.audio.rates.minute ? fields.response_format : null
    const upstream = buildTranscription(endpoint, { file, fields: { ...rest, ...(plain ? { response_format: 'verbose_json' } : {}), model: route.audio.id, ...(streamed ? { stream: true } : {}) } }, route.config, route.simulated)
    if (streamed) return streamTranscription(call, route, upstream, { length, hold })
    return complete(call, route, upstream, fields, length, hold, plain)
  }
}

const isPlain = (format: unknown): format is 'text' | 'srt' | 'vtt' => format === 'text' || format === 'srt' || format === 'vtt'

async function complete(call: GatewayCall, route: AudioRoute, request: ReturnType<typeof buildTranscription>, fields: AudioFields, length: AudioLength, hold: CostBreakdown, rendered: 'text' | 'srt' | 'vtt' | null): Promise<Response> {
  const answer = await exchange(route.adapter, request, { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal })
  const plain = isPlain(fields.response_format)
  if ((!plain || rendered) && (answer.json === undefined || typeof (answer.json as { text?: unknown }).text !== 'string')) throw new UpstreamError('malformed', 'unexpected transcription response')
  const text = rendered ? renderTranscript(rendered, answer.json as object) : answer.json === undefined ? new TextDecoder().decode(answer.bytes ?? new Uint8Array()) : null
  const usage = plain && !rendered ? null : transcriptionUsage(answer.json)
  const outputText = text ?? String((answer.json as { text: string }).text)
  const priced = transcriptionCost(route.audio, usage, length, hold, outputText)
  call.record({
    provider: route.servedBy,
    model: route.audio.id,
    ...(priced.tokens ?? {}),
    ...costColumns(priced.cost, route.simulated),
    response_payload: call.sanitize(text === null ? answer.json : { text }),
    metadata: {
      usage_source: priced.source,
      response_format: fields.response_format,
      ...(priced.audioSeconds !== undefined ? { audio_seconds: priced.audioSeconds } : {}),
      ...(length.measured ? { measured_seconds: length.measured.seconds } : {}),
    },
  })
  if (text === null) return Response.json(answer.json)
  return new Response(text, { headers: { 'content-type': rendered ? 'text/plain; charset=utf-8' : answer.contentType || 'text/plain; charset=utf-8' } })
}

export const handleTranscription = handler('transcriptions')
export const handleTranslation = handler('translations')
