// Black Forest Labs (FLUX): asynchronous. Create answers {id, polling_url}; polling answers a
// status until the picture is Ready, moderated, or lost.
import { requestedDimensions } from '@/lib/providers/shapes'
import { errorText } from '@/lib/providers/transport'
import type { HttpCall, ImageRequest, ImageStep, ParsedBody, ProviderAdapter, ProviderConfig } from '@/lib/providers/types'

// Models sized in pixels, and models sized by an aspect-ratio string ("16:9", 21:9 … 9:21).
const PIXEL_SIZED = new Set(['flux-pro-1.1', 'flux-pro', 'flux-dev'])
const RATIO_SIZED = new Set(['flux-pro-1.1-ultra', 'flux-kontext-pro', 'flux-kontext-max'])

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

function sizeFields(req: ImageRequest): Record<string, unknown> {
  const dims = requestedDimensions(req.size)
  if (!dims) return {}
  const [w, h] = dims.map(Math.round)
  if (PIXEL_SIZED.has(req.model)) {
    if (req.size!.includes(':')) throw new Error(`${req.model} takes a size in pixels (WIDTHxHEIGHT), not a ratio`)
    return { width: w, height: h }
  }
  // A ratio passes as given (21:9 stays 21:9); pixels reduce to one: 1920x1080 → 16:9.
  const d = req.size!.includes(':') ? 1 : gcd(w, h)
  return { aspect_ratio: `${w / d}:${h / d}` }
}

const pollCall = (url: string, config: ProviderConfig): HttpCall => ({ method: 'GET', url, headers: { 'x-key': config.apiKey, accept: 'application/json' } })

// The vendor-neutral result endpoint, used only when the create answer has no polling_url
// (webhook mode). Otherwise the create answer's polling_url is polled throughout, as BFL asks:
// the global endpoint may have routed the task to a region.
const resultUrl = (config: ProviderConfig, id: string) => `${config.baseUrl}/v1/get_result?id=${encodeURIComponent(id)}`

type Created = { id?: unknown; polling_url?: unknown }
type Polled = { id?: unknown; status?: unknown; result?: { sample?: unknown; prompt?: unknown } | null; details?: unknown }

function parseCreate(body: ParsedBody, _req: ImageRequest, config: ProviderConfig): ImageStep {
  const j = body.json as Created | null
  if (!j || typeof j !== 'object' || typeof j.id !== 'string' || !j.id) throw new Error('not a BFL task')
  // Webhook requests answer without a polling_url; a relative one resolves against the base.
  let url = resultUrl(config, j.id)
  if (typeof j.polling_url === 'string' && j.polling_url) {
    try {
      url = new URL(j.polling_url, `${config.baseUrl}/`).toString()
    } catch {
      // unreadable: keep the id-based URL
    }
  }
  return { done: false, poll: pollCall(url, config) }
}

function detailsText(details: unknown): string {
  if (details === null || details === undefined) return ''
  return `: ${(typeof details === 'string' ? details : JSON.stringify(details)).slice(0, 300)}`
}

function parsePoll(body: ParsedBody, req: ImageRequest, _config: ProviderConfig, poll: HttpCall): ImageStep {
  const j = body.json as Polled | null
  if (!j || typeof j !== 'object' || typeof j.status !== 'string') throw new Error('not a BFL task status')
  switch (j.status) {
    case 'Ready': {
      const sample = j.result?.sample
      if (typeof sample !== 'string' || !sample) throw new Error('BFL said Ready without an image URL')
      const revised = typeof j.result?.prompt === 'string' && j.result.prompt !== req.prompt ? j.result.prompt : undefined
      return { done: true, result: { images: [{ url: sample, ...(revised ? { revised_prompt: revised } : {}) }] } }
    }
    case 'Request Moderated':
    case 'Content Moderated':
      return { done: true, result: { images: [], contentFiltered: true } }
    case 'Error':
      throw new Error(`BFL generation failed${detailsText(j.details)}`)
    case 'Task not found':
      throw new Error(`BFL does not know task ${String(j.id ?? '')} (expired or never created)`)
    default:
      // Pending, and statuses BFL may add (third parties report Reasoning and Generating).
      return { done: false, poll }
  }
}

/**
 * FLUX makes one image per request (imagesPerRequest: 1): `n` is not sent; the gateway creates
 * a task per image. `extra` fields pass through to the create body (seed, safety_tolerance, …).
 */
export const bfl: ProviderAdapter = {
  id: 'bfl',
  parseError: (status, body) => errorText(body, status),
  image: {
    imagesPerRequest: 1,
    buildRequest: (req, config) => {
      if (!PIXEL_SIZED.has(req.model) && !RATIO_SIZED.has(req.model)) throw new Error(`bfl does not serve model "${req.model}"`)
      const body = { ...req.extra, prompt: req.prompt, ...sizeFields(req) }
      return {
        method: 'POST',
        url: `${config.baseUrl}/v1/${req.model}`,
        headers: { 'x-key': config.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      }
    },
    parseResponse: parseCreate,
    parsePoll,
  },
}
