// Luma Dream Machine: asynchronous generations. Create answers the Generation object; GET it
// until its state is completed or failed.
import { dimensions, nearestRatio } from '@/lib/providers/shapes'
import { errorText } from '@/lib/providers/transport'
import type { ParsedBody, ProviderAdapter, ProviderConfig, VideoRequest, VideoStatus } from '@/lib/providers/types'

const MODELS = new Set(['ray-2', 'ray-flash-2'])
const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9', '9:21'] as const

const headers = (config: ProviderConfig) => ({ authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' })

/**
 * Luma's resolution names ("720p"). Pixel sizes map by their short side. Always sent, because
 * Luma bills by pixels generated and the price catalog assumes 720p when none is named: the
 * vendor's own default must not differ from what was priced.
 */
function resolutionOf(resolution: string | undefined): string {
  const dims = dimensions(resolution)
  if (!dims) return resolution?.trim().toLowerCase() || '720p'
  const short = Math.min(...dims)
  return short <= 540 ? '540p' : short <= 720 ? '720p' : short <= 1080 ? '1080p' : '4k'
}

function createBody(req: VideoRequest): Record<string, unknown> {
  const shape = dimensions(req.aspectRatio) ?? dimensions(req.resolution)
  const keyframes = req.imageUrl ? { ...(req.extra.keyframes as object | undefined), frame0: { type: 'image', url: req.imageUrl } } : undefined
  return {
    ...req.extra,
    model: req.model,
    prompt: req.prompt,
    resolution: resolutionOf(req.resolution),
    duration: `${req.seconds}s`,
    ...(shape ? { aspect_ratio: nearestRatio(shape, ASPECT_RATIOS) } : {}),
    ...(keyframes ? { keyframes } : {}),
  }
}

type Generation = { id?: unknown; state?: unknown; failure_reason?: unknown; assets?: { video?: unknown } | null }

function parsePoll(body: ParsedBody): VideoStatus {
  const j = body.json as Generation | null
  if (!j || typeof j !== 'object' || typeof j.state !== 'string') throw new Error('not a Luma generation')
  switch (j.state) {
    case 'queued':
      return { state: 'queued' }
    case 'completed': {
      const url = j.assets?.video
      if (typeof url !== 'string' || !url) throw new Error('Luma said completed without a video URL')
      return { state: 'succeeded', outputUrl: url }
    }
    case 'failed':
      return { state: 'failed', failure: typeof j.failure_reason === 'string' && j.failure_reason ? j.failure_reason : 'the Luma generation failed' }
    default:
      // dreaming, and any state Luma adds later: keep polling.
      return { state: 'running' }
  }
}

export const luma: ProviderAdapter = {
  id: 'luma',
  parseError: (status, body) => errorText(body, status),
  video: {
    buildCreate: (req, config) => {
      if (!MODELS.has(req.model)) throw new Error(`luma does not serve model "${req.model}"`)
      return { method: 'POST', url: `${config.baseUrl}/generations/video`, headers: headers(config), body: JSON.stringify(createBody(req)) }
    },
    parseCreate: (body) => {
      const id = (body.json as { id?: unknown } | null)?.id
      if (typeof id !== 'string' || !id) throw new Error('not a Luma generation')
      return { jobId: id }
    },
    buildPoll: (jobId, config) => ({ method: 'GET', url: `${config.baseUrl}/generations/${encodeURIComponent(jobId)}`, headers: headers(config) }),
    parsePoll,
  },
}
