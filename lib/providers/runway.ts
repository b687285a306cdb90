// Runway: asynchronous tasks. Create on the endpoint matching the input (text, image, or for
// Aleph a video), then GET /v1/tasks/{id} until SUCCEEDED, FAILED or CANCELLED.
import { dimensions, nearestRatio } from '@/lib/providers/shapes'
import { errorText } from '@/lib/providers/transport'
import type { ParsedBody, ProviderAdapter, ProviderConfig, VideoRequest, VideoStatus } from '@/lib/providers/types'

const GEN4 = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672']
// Each priced model's ratios, default first. gen3a_turbo has none of the gen4 shapes, so one
// default for all ('1280:720') would be refused there.
const RATIOS: Record<string, string[]> = {
  gen4_turbo: GEN4,
  gen3a_turbo: ['1280:768', '768:1280'],
  gen4_aleph: [...GEN4, '848:480', '640:480'],
  veo3: ['1280:720', '720:1280'],
}

// Both SDKs send this exact value; the API refuses requests without it.
const headers = (config: ProviderConfig) => ({
  authorization: `Bearer ${config.apiKey}`,
  'x-runway-version': '2024-11-06',
  'content-type': 'application/json',
  accept: 'application/json',
})

/**
 * The `ratio` to send: the resolution when it is one of the model's ratios ("1280x720" or
 * "1280:720"), else the model's ratio nearest the requested shape (aspectRatio "9:16", or the
 * resolution's), else the model's default. Runway bills per second whatever the ratio.
 */
function ratioFor(req: VideoRequest, allowed: string[]): string {
  const exact = dimensions(req.resolution)?.join(':')
  if (exact && allowed.includes(exact)) return exact
  const shape = dimensions(req.aspectRatio) ?? dimensions(req.resolution)
  return shape ? nearestRatio(shape, allowed) : allowed[0]
}

function createBody(req: VideoRequest, allowed: string[]): { path: string; body: Record<string, unknown> } {
  const common = { ...req.extra, model: req.model, ...(req.prompt ? { promptText: req.prompt } : {}), ratio: ratioFor(req, allowed) }
  // Aleph restyles a video (extra.videoUri); its output is as long as the input, so no duration.
  // An image, if any, is a style reference.
  if (req.model === 'gen4_aleph')
    return { path: 'video_to_video', body: { ...common, ...(req.imageUrl ? { references: [{ type: 'image', uri: req.imageUrl }] } : {}) } }
  // gen4_turbo and gen3a_turbo need an image; sent without one, Runway's 400 says so.
  if (req.imageUrl) return { path: 'image_to_video', body: { ...common, promptImage: req.imageUrl, duration: req.seconds } }
  return { path: 'text_to_video', body: { ...common, duration: req.seconds } }
}

// Runway reports no duration, only the credits a task cost; each model costs a fixed number of
// credits per output second (docs.dev.runwayml.com/guides/pricing), so the credits say how long
// the video is. That matters for Aleph, whose length its input decides.
const CREDITS_PER_SECOND: Record<string, number> = { gen4_turbo: 5, gen3a_turbo: 5, gen4_aleph: 15, veo3: 40 }

type Task = { id?: unknown; status?: unknown; progress?: unknown; output?: unknown; failure?: unknown; failureCode?: unknown; cost?: { credits?: unknown } | null }

function parsePoll(body: ParsedBody, model: string): VideoStatus {
  const j = body.json as Task | null
  if (!j || typeof j !== 'object' || typeof j.status !== 'string') throw new Error('not a Runway task')
  switch (j.status) {
    case 'PENDING':
    case 'THROTTLED': // accepted, waiting for a concurrency slot
      return { state: 'queued' }
    case 'SUCCEEDED': {
      const url = Array.isArray(j.output) ? j.output[0] : undefined
      if (typeof url !== 'string' || !url) throw new Error('Runway said SUCCEEDED without an output URL')
      const credits = j.cost?.credits
      const perSecond = CREDITS_PER_SECOND[model]
      // Older responses have no cost: the held duration is charged.
      if (typeof credits !== 'number' || !Number.isFinite(credits) || credits < 0 || !perSecond) return { state: 'succeeded', outputUrl: url }
      return { state: 'succeeded', outputUrl: url, seconds: credits / perSecond }
    }
    case 'FAILED': {
      const text = typeof j.failure === 'string' && j.failure ? j.failure : 'the Runway task failed'
      return { state: 'failed', failure: typeof j.failureCode === 'string' ? `${text} (${j.failureCode})` : text }
    }
    case 'CANCELLED':
      return { state: 'failed', failure: 'the Runway task was cancelled' }
    default: {
      // RUNNING, and any status Runway adds later: keep polling rather than abandon a job
      // that may still finish (and bill).
      const progress = typeof j.progress === 'number' && j.progress >= 0 && j.progress <= 1 ? j.progress : undefined
      return { state: 'running', ...(progress !== undefined ? { progress } : {}) }
    }
  }
}

export const runway: ProviderAdapter = {
  id: 'runway',
  parseError: (status, body) => errorText(body, status),
  video: {
    buildCreate: (req, config) => {
      const allowed = RATIOS[req.model]
      if (!allowed) throw new Error(`runway does not serve model "${req.model}"`)
      const { path, body } = createBody(req, allowed)
      return { method: 'POST', url: `${config.baseUrl}/v1/${path}`, headers: headers(config), body: JSON.stringify(body) }
    },
    parseCreate: (body) => {
      const id = (body.json as { id?: unknown } | null)?.id
      if (typeof id !== 'string' || !id) throw new Error('not a Runway task')
      return { jobId: id }
    },
    buildPoll: (jobId, config) => ({ method: 'GET', url: `${config.baseUrl}/v1/tasks/${encodeURIComponent(jobId)}`, headers: headers(config) }),
    parsePoll,
  },
}
