// OpenAI's audio endpoints on the wire: the requests the gateway sends (a multipart form rebuilt
// from the caller's fields, or speech JSON) and the usage their answers report. Pure: the I/O is
// transport.ts's, the simulator's stand-in is openai-audio-simulator.ts.
import type { HttpCall, ProviderConfig } from '@/lib/providers/types'

/** The simulator's base URL (lib/providers/simulator.ts serves it through its `serve`). */
export const SIMULATOR_AUDIO_BASE = 'http://simulator.invalid'

const auth = (apiKey: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {})

/** Form fields as OpenAI takes them: scalars once, lists repeated as `name[]`, and the file. */
export type AudioForm = { file: File; fields: Record<string, string | number | boolean | readonly string[] | undefined> }

export function buildTranscription(endpoint: 'transcriptions' | 'translations', form: AudioForm, config: ProviderConfig, simulated: boolean): HttpCall {
  const body = new FormData()
  // The file keeps its name: OpenAI reads the format from the extension.
  body.append('file', form.file, form.file.name)
  for (const [name, value] of Object.entries(form.fields)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) body.append(`${name}[]`, item)
    else body.append(name, String(value))
  }
  // No content-type: fetch writes multipart/form-data with its boundary.
  return { method: 'POST', url: `${simulated ? SIMULATOR_AUDIO_BASE : config.baseUrl}/audio/${endpoint}`, headers: auth(config.apiKey), body }
}

export function buildSpeech(body: Record<string, unknown>, config: ProviderConfig, simulated: boolean): HttpCall {
  return {
    method: 'POST',
    url: `${simulated ? SIMULATOR_AUDIO_BASE : config.baseUrl}/audio/speech`,
    headers: { ...auth(config.apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }
}

/** What a transcription's answer says it consumed. */
export type TranscriptionUsage =
  | { type: 'duration'; seconds: number; from: 'usage' | 'duration' }
  | { type: 'tokens'; inputTokens: number; outputTokens: number; audioTokens: number; textTokens: number }

const count = (n: unknown): number => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0)
const seconds = (n: unknown): number | null => (typeof n === 'number' && Number.isFinite(n) && n >= 0 && n < 1e7 ? n : null)

/**
 * The usage of a transcription (a JSON answer, or a stream's transcript.text.done event):
 * `usage` in either of its two shapes, else verbose_json's `duration`; null when it says none.
 */
export function transcriptionUsage(json: unknown): TranscriptionUsage | null {
  if (!json || typeof json !== 'object') return null
  const { usage, duration } = json as { usage?: Record<string, unknown>; duration?: unknown }
  if (usage && typeof usage === 'object') {
    if (usage.type === 'duration' && seconds(usage.seconds) !== null) return { type: 'duration', seconds: seconds(usage.seconds)!, from: 'usage' }
    if (usage.type === 'tokens' || typeof usage.input_tokens === 'number') {
      const details = (usage.input_token_details ?? {}) as Record<string, unknown>
      const input = count(usage.input_tokens)
      // Audio and text are parts of input_tokens; a reply without the split is all audio (the
      // dearer rate: never undercharged).
      const text = Math.min(input, count(details.text_tokens))
      const audio = details.audio_tokens === undefined ? input - text : Math.min(input - text, count(details.audio_tokens))
      return { type: 'tokens', inputTokens: input, outputTokens: count(usage.output_tokens), audioTokens: audio, textTokens: text }
    }
  }
  if (seconds(duration) !== null) return { type: 'duration', seconds: seconds(duration)!, from: 'duration' }
  return null
}

/** A speech stream's usage, from its speech.audio.done event: text tokens in, audio tokens out. */
export function speechUsage(event: unknown): { inputTokens: number; outputTokens: number } | null {
  const usage = (event as { usage?: Record<string, unknown> } | null)?.usage
  if (!usage || typeof usage !== 'object' || typeof usage.output_tokens !== 'number') return null
  return { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) }
}

/** The content type of each speech format, for an upstream that does not say. */
export const SPEECH_CONTENT_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
}

/** A time as SRT (`00:00:02,500`) or WebVTT (`00:00:02.500`) write it. */
export const subtitleClock = (s: number, sep: ',' | '.') => `${new Date(Math.round(s * 1000)).toISOString().slice(11, 19)}${sep}${String(Math.round(s * 1000) % 1000).padStart(3, '0')}`

/**
 * whisper-1's text, srt and vtt answers carry no usage, so the gateway asks for verbose_json
 * (which says the duration OpenAI bills) and writes the format the caller asked from it.
 */
export function renderTranscript(format: 'text' | 'srt' | 'vtt', verbose: { text?: unknown; segments?: unknown }): string {
  const text = typeof verbose.text === 'string' ? verbose.text : ''
  if (format === 'text') return `${text}\n`
  const segments = (Array.isArray(verbose.segments) ? verbose.segments : []).filter(
    (g): g is { start: number; end: number; text: string } => !!g && typeof g.start === 'number' && typeof g.end === 'number' && typeof g.text === 'string',
  )
  const cues = segments.map((g, i) => `${format === 'srt' ? `${i + 1}\n` : ''}${subtitleClock(g.start, format === 'srt' ? ',' : '.')} --> ${subtitleClock(g.end, format === 'srt' ? ',' : '.')}\n${g.text.trim()}\n\n`)
  return format === 'vtt' ? `WEBVTT\n\n${cues.join('')}` : cues.join('')
}
