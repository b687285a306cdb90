// Ideogram: synchronous. 3.0 takes a multipart form on its own endpoint; 2.0 takes JSON on the
// legacy /generate. Both answer temporary image URLs, several per request.
import { formOf, nearestRatio, requestedDimensions } from '@/lib/providers/shapes'
import { errorText } from '@/lib/providers/transport'
import type { HttpCall, ImageRequest, ImageStep, ParsedBody, ProviderAdapter, ProviderConfig } from '@/lib/providers/types'

const V3_RATIOS = ['1x1', '16x9', '9x16', '4x3', '3x4', '3x2', '2x3', '16x10', '10x16', '5x4', '4x5', '2x1', '1x2', '3x1', '1x3'] as const
const V2_RATIOS = ['ASPECT_1_1', 'ASPECT_16_9', 'ASPECT_9_16', 'ASPECT_4_3', 'ASPECT_3_4', 'ASPECT_3_2', 'ASPECT_2_3', 'ASPECT_16_10', 'ASPECT_10_16', 'ASPECT_3_1', 'ASPECT_1_3'] as const

// Our model ids (and the price catalog's aliases) → the legacy endpoint's model enum.
const V2_MODELS: Record<string, string> = { 'ideogram-v2': 'V_2', 'ideogram-v2-turbo': 'V_2_TURBO', V_2: 'V_2', V_2_TURBO: 'V_2_TURBO' }
const isV3 = (model: string) => model === 'ideogram-v3' || model === 'V_3'

// Our `quality` → 3.0's rendering_speed, and back to the tier the price catalog names, so the
// result reports what was actually bought (the catalog prices turbo / balanced / quality).
const SPEEDS: Record<string, 'TURBO' | 'DEFAULT' | 'QUALITY'> = {
  turbo: 'TURBO',
  balanced: 'DEFAULT',
  default: 'DEFAULT',
  standard: 'DEFAULT',
  auto: 'DEFAULT',
  quality: 'QUALITY',
  hd: 'QUALITY',
}
const TIERS = { TURBO: 'turbo', DEFAULT: 'balanced', QUALITY: 'quality' } as const

function speedOf(quality: string | undefined): 'TURBO' | 'DEFAULT' | 'QUALITY' {
  const speed = SPEEDS[(quality ?? 'default').trim().toLowerCase()]
  if (!speed) throw new Error(`ideogram-v3 quality "${quality}" is not turbo, balanced or quality`)
  return speed
}

function buildV3(req: ImageRequest, config: ProviderConfig): HttpCall {
  const dims = requestedDimensions(req.size)
  const form = formOf({
    ...req.extra,
    prompt: req.prompt,
    rendering_speed: speedOf(req.quality),
    num_images: req.n,
    ...(dims ? { aspect_ratio: nearestRatio(dims, V3_RATIOS) } : {}),
  })
  return { method: 'POST', url: `${config.baseUrl}/v1/ideogram-v3/generate`, headers: { 'Api-Key': config.apiKey, accept: 'application/json' }, body: form }
}

function buildV2(req: ImageRequest, config: ProviderConfig, model: string): HttpCall {
  const dims = requestedDimensions(req.size)
  const imageRequest = {
    ...req.extra,
    prompt: req.prompt,
    model,
    num_images: req.n,
    ...(dims ? { aspect_ratio: nearestRatio(dims, V2_RATIOS) } : {}),
  }
  return {
    method: 'POST',
    url: `${config.baseUrl}/generate`,
    headers: { 'Api-Key': config.apiKey, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ image_request: imageRequest }),
  }
}

type Generated = { url?: unknown; prompt?: unknown; resolution?: unknown; is_image_safe?: unknown }

function parseResponse(body: ParsedBody, req: ImageRequest): ImageStep {
  const j = body.json as { data?: unknown } | null
  if (!j || typeof j !== 'object' || !Array.isArray(j.data)) throw new Error('not an Ideogram images response')
  const data = j.data as Generated[]
  // A null URL or is_image_safe: false is Ideogram withholding that picture.
  const kept = data.filter((d): d is Generated & { url: string } => !!d && typeof d.url === 'string' && d.url.length > 0 && d.is_image_safe !== false)
  const images = kept.map((d) => ({ url: d.url, ...(typeof d.prompt === 'string' && d.prompt !== req.prompt ? { revised_prompt: d.prompt } : {}) }))
  const resolution = kept.find((d) => typeof d.resolution === 'string')?.resolution as string | undefined
  return {
    done: true,
    result: {
      images,
      ...(resolution ? { size: resolution } : {}),
      ...(isV3(req.model) ? { quality: TIERS[speedOf(req.quality)] } : {}),
      ...(kept.length < data.length ? { contentFiltered: true } : {}),
    },
  }
}

export const ideogram: ProviderAdapter = {
  id: 'ideogram',
  parseError: (status, body) => errorText(body, status),
  image: {
    // num_images is 1–8 on both endpoints.
    imagesPerRequest: 8,
    buildRequest: (req, config) => {
      if (isV3(req.model)) return buildV3(req, config)
      const model = V2_MODELS[req.model]
      if (!model) throw new Error(`ideogram does not serve model "${req.model}"`)
      return buildV2(req, config, model)
    },
    parseResponse,
  },
}
