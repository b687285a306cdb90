// Stability AI's Stable Image v2beta: synchronous, multipart, one image per request. With
// `accept: application/json` the image comes back as base64 JSON rather than raw bytes.
import { formOf, nearestRatio, requestedDimensions } from '@/lib/providers/shapes'
import { errorText } from '@/lib/providers/transport'
import type { ImageRequest, ParsedBody, ProviderAdapter } from '@/lib/providers/types'

const ASPECT_RATIOS = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'] as const

// Our model id → endpoint under /v2beta/stable-image/generate; sd3 models share one endpoint.
const ENDPOINTS: Record<string, 'ultra' | 'core' | 'sd3'> = {
  'stable-image-ultra': 'ultra',
  'stable-image-core': 'core',
  'sd3.5-large': 'sd3',
  'sd3.5-large-turbo': 'sd3',
  'sd3.5-medium': 'sd3',
}
// The price catalog's aliases for the same models.
const ALIASES: Record<string, string> = { ultra: 'stable-image-ultra', core: 'stable-image-core', 'sd3-large': 'sd3.5-large', 'sd3-large-turbo': 'sd3.5-large-turbo', 'sd3-medium': 'sd3.5-medium' }

function modelOf(req: ImageRequest): { model: string; endpoint: 'ultra' | 'core' | 'sd3' } {
  const model = ALIASES[req.model] ?? req.model
  const endpoint = ENDPOINTS[model]
  if (!endpoint) throw new Error(`stability does not serve model "${req.model}"`)
  return { model, endpoint }
}

type StabilityImage = { image?: unknown; seed?: unknown; finish_reason?: unknown }

function parseResponse(body: ParsedBody) {
  let image: unknown
  let finish: unknown
  if (body.json !== undefined) {
    const j = body.json as StabilityImage | null
    image = j?.image
    finish = j?.finish_reason
  } else if (body.bytes && /^image\//i.test(body.contentType)) {
    // Raw bytes are what Stability sends when accept is image/*; take them rather than fail.
    image = Buffer.from(body.bytes).toString('base64')
    finish = body.headers.get('finish-reason')
  }
  if (typeof image !== 'string' || image.length === 0) throw new Error('not a Stability image response')
  // CONTENT_FILTERED is still a 200 with a (blurred) picture: pass it on, flagged.
  const filtered = finish === 'CONTENT_FILTERED'
  return { done: true as const, result: { images: [{ b64_json: image }], ...(filtered ? { contentFiltered: true } : {}) } }
}

/** One request makes one image (imagesPerRequest: 1): `n` is not sent; the gateway repeats it. */
export const stability: ProviderAdapter = {
  id: 'stability',
  parseError: (status, body) => errorText(body, status),
  image: {
    imagesPerRequest: 1,
    buildRequest: (req, config) => {
      const { model, endpoint } = modelOf(req)
      const dims = requestedDimensions(req.size)
      const form = formOf({
        ...req.extra,
        prompt: req.prompt,
        ...(dims ? { aspect_ratio: nearestRatio(dims, ASPECT_RATIOS) } : {}),
        ...(endpoint === 'sd3' ? { model } : {}),
      })
      return {
        method: 'POST',
        url: `${config.baseUrl}/v2beta/stable-image/generate/${endpoint}`,
        headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
        body: form,
      }
    },
    parseResponse,
  },
}
