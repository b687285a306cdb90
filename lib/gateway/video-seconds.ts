import 'server-only'
import { AppError } from '@/lib/errors'
import type { MediaPriceEntry } from '@/lib/pricing/media-catalog-types'

// A model known only from an operator's price override offers whatever the schema allows.
const DEFAULT_SECONDS = 5

const refuse = (message: string) => new AppError('invalid_request', `seconds: ${message}`, { param: 'seconds' })

/**
 * The output length to hold for and ask of the vendor: the caller's, when the model offers it
 * (else a 400 naming `seconds`), or the model's default. A model whose output is as long as its
 * input (Runway's gen4_aleph) is held at the most it makes, and the caller cannot choose.
 */
export function chooseSeconds(entry: MediaPriceEntry | null, model: string, requested: number | undefined): number {
  const durations = entry?.durations
  if (!durations) return requested ?? DEFAULT_SECONDS
  if ('upTo' in durations) {
    if (requested !== undefined) throw refuse(`${model} makes a video as long as its input video (at most ${durations.upTo} s); its length cannot be chosen`)
    return durations.upTo
  }
  const seconds = requested ?? durations.offered[0]
  if (!durations.offered.includes(seconds)) throw refuse(`${model} makes videos of ${durations.offered.join(', ')} seconds, not ${seconds}`)
  return seconds
}

/**
 * What a finished job is charged for: the length the vendor reports (Runway: from the credits it
 * billed), never more than was held; the held length when it reports none.
 */
export function settledSeconds(held: number, reported: number | undefined): number {
  if (reported === undefined || !Number.isFinite(reported) || reported < 0) return held
  return Math.min(held, Math.round(reported * 1000) / 1000)
}
