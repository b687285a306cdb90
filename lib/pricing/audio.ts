// OpenAI's audio models and their prices (USD, exact decimals), and the costs of their calls.
// Four units, as OpenAI bills them:
//   whisper-1                 per minute of audio, from the seconds OpenAI reports
//   gpt-4o(-mini)-transcribe  per 1M tokens: text in (the prompt), audio in, text out
//   tts-1 / tts-1-hd          per 1M input characters (Unicode code points)
//   gpt-4o-mini-tts           per 1M tokens: text in, audio out
// Sources (checked 2026-12-02): PROVIDERS-TEXT.md §4.7 — pydantic/genai-prices @47df840
// prices/providers/openai.yml (transcribe, mini-tts); whisper-1 and tts per-minute / per-character
// prices from agreeing published tables.
import { costOf, formatUsd, parseUsd, sumUsd, type Usd } from '@/lib/pricing/money'
import type { CostBreakdown, CostStatus } from '@/lib/pricing/types'

export type AudioEndpoint = 'transcriptions' | 'translations' | 'speech'

/** Rate keys: per minute, per 1M tokens (text in, audio in, text out, audio out), per 1M characters. */
export type AudioRateKey = 'minute' | 'input_mtok' | 'input_audio_mtok' | 'output_mtok' | 'output_audio_mtok' | 'input_mchar'

export type AudioModel = {
  id: string
  endpoints: readonly AudioEndpoint[]
  rates: Partial<Record<AudioRateKey, string>>
  /** Transcription formats the model answers in (OpenAI refuses the others). */
  formats?: readonly string[]
  /** Whether it streams a transcription (`stream: true`); whisper-1 ignores the flag. */
  streams?: boolean
  /** Speech: accepts `instructions` and stream_format "sse". */
  steerable?: boolean
  /** Token models: the most audio tokens one call can take in (the context window) and text out. */
  contextTokens?: number
  maxOutputTokens?: number
}

const WHISPER_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const
export const SOURCE_URL = 'https://platform.openai.com/docs/pricing'
const CHECKED = '2026-12-02'

export const AUDIO_MODELS: readonly AudioModel[] = [
  { id: 'whisper-1', endpoints: ['transcriptions', 'translations'], rates: { minute: '0.006' }, formats: WHISPER_FORMATS },
  // Context 16,000 tokens and 2,000 output tokens (OpenAI's model pages): the bounds of the hold.
  { id: 'gpt-4o-transcribe', endpoints: ['transcriptions'], rates: { input_mtok: '2.50', input_audio_mtok: '6.00', output_mtok: '10.00' }, formats: ['json'], streams: true, contextTokens: 16_000, maxOutputTokens: 2_000 },
  { id: 'gpt-4o-mini-transcribe', endpoints: ['transcriptions'], rates: { input_mtok: '1.25', input_audio_mtok: '3.00', output_mtok: '5.00' }, formats: ['json'], streams: true, contextTokens: 16_000, maxOutputTokens: 2_000 },
  { id: 'tts-1', endpoints: ['speech'], rates: { input_mchar: '15.00' } },
  { id: 'tts-1-hd', endpoints: ['speech'], rates: { input_mchar: '30.00' } },
  { id: 'gpt-4o-mini-tts', endpoints: ['speech'], rates: { input_mtok: '0.60', output_audio_mtok: '12.00' }, steerable: true },
  { id: 'gpt-4o-mini-tts-2025-12-15', endpoints: ['speech'], rates: { input_mtok: '0.60', output_audio_mtok: '12.00' }, steerable: true },
]

/** The model named `openai/<id>` or `<id>` (case as OpenAI spells it), or undefined. */
export function findAudioModel(name: string): AudioModel | undefined {
  const id = name.startsWith('openai/') ? name.slice('openai/'.length) : name
  return AUDIO_MODELS.find((m) => m.id === id)
}

const MILLION = 1_000_000n

/** What a call consumed, in each rate's unit: milliseconds of audio, tokens, characters. */
export type AudioQuantities = {
  audioMs?: number
  textInTokens?: number
  audioInTokens?: number
  textOutTokens?: number
  audioOutTokens?: number
  characters?: number
}

const whole = (n: number | undefined) => BigInt(Math.max(0, Math.round(n ?? 0)))

/**
 * The cost of one audio call from what it consumed. Input is what was sent (audio minutes,
 * prompt and audio tokens, characters), output what came back (text or audio tokens).
 * `status` is 'estimated' when some quantity is the gateway's measure, not the vendor's.
 */
export function priceAudio(model: AudioModel, q: AudioQuantities, status: Exclude<CostStatus, 'unpriced'> = 'priced', at = new Date()): CostBreakdown {
  const r = (key: AudioRateKey): Usd => (model.rates[key] ? parseUsd(model.rates[key]) : 0n)
  const input = sumUsd([
    // $/minute × ms ÷ 60,000 (exact in picodollars for whisper-1's $0.006: 1e-7 $ per ms).
    costOf(r('minute'), whole(q.audioMs), 60_000n),
    costOf(r('input_mtok'), whole(q.textInTokens), MILLION),
    costOf(r('input_audio_mtok'), whole(q.audioInTokens), MILLION),
    costOf(r('input_mchar'), whole(q.characters), MILLION),
  ])
  const output = sumUsd([costOf(r('output_mtok'), whole(q.textOutTokens), MILLION), costOf(r('output_audio_mtok'), whole(q.audioOutTokens), MILLION)])
  const rates = Object.fromEntries(Object.entries(model.rates).map(([k, v]) => [k, formatUsd(parseUsd(v))]))
  return {
    costStatus: status,
    inputCost: formatUsd(input),
    outputCost: formatUsd(output),
    generationCost: '0',
    totalCost: formatUsd(input + output),
    priceSnapshot: {
      provider: 'openai',
      model: model.id,
      pricedAs: model.id,
      rates,
      effectiveFrom: null,
      sources: Object.fromEntries(Object.keys(rates).map((k) => [k, 'audio-prices'])),
      sourceUrl: SOURCE_URL,
      checked: CHECKED,
      at: at.toISOString(),
    },
  }
}

/** Characters as OpenAI counts them for tts-1: Unicode code points (an emoji is one, not two UTF-16 units). */
export function countCharacters(text: string): number {
  // Iterating a string walks code points; each surrogate pair is one.
  let n = 0
  for (const codePoint of text) n += codePoint ? 1 : 0
  return n
}

// ---- Bounds and estimates (documented, used where the vendor reports nothing) ------------------

/**
 * Fewest bytes per second any format OpenAI accepts can carry speech in: 6 kbps, Opus's lowest
 * speech rate. A file of N bytes therefore lasts at most N / 750 seconds: the hold's duration
 * bound when the file's own header does not say (lib/gateway/audio-duration.ts).
 */
export const MIN_AUDIO_BYTES_PER_SECOND = 750

/**
 * Audio tokens per second of input for the gpt-4o transcribe models, for holds: OpenAI's own
 * equivalence (≈ $0.006/min at $6/1M audio tokens) is 1,000 tokens a minute (16.7/s); 20/s bounds it.
 */
export const TRANSCRIBE_AUDIO_TOKENS_PER_SECOND_MAX = 20

/**
 * Audio tokens per second of gpt-4o-mini-tts output: OpenAI's estimate of ≈ $0.015 a minute at
 * $12/1M audio tokens is 1,250 tokens a minute. Used to estimate a raw-audio answer (no usage).
 */
export const TTS_AUDIO_TOKENS_PER_MINUTE = 1_250

/** Speech at an ordinary pace: ~15 characters a second (~150 words a minute) at speed 1. */
export const SPEECH_CHARACTERS_PER_SECOND = 15

/** Seconds of speech `characters` make at `speed`, estimated (never below one second). */
export function speechSeconds(characters: number, speed: number): number {
  return Math.max(1, characters / SPEECH_CHARACTERS_PER_SECOND / speed)
}

/** Audio tokens of `seconds` of gpt-4o-mini-tts output (rounded up). */
export function ttsAudioTokens(seconds: number): number {
  return Math.ceil((seconds * TTS_AUDIO_TOKENS_PER_MINUTE) / 60)
}
