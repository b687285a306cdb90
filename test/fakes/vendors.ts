// FAKES of the asynchronous media vendors (BFL, Runway, Luma) for tests: the request and
// response shapes, auth headers, job life cycles and error bodies of ../shared/PROVIDERS.md,
// on 127.0.0.1. Output URLs point back at the fake, which serves a few bytes there, so a
// gateway can download and re-host results as it would in production.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'

export type VendorCall = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown }

export type FakeVendor = {
  url: string
  apiKey: string
  /** Every request seen, in order; JSON bodies parsed. */
  calls: VendorCall[]
  /** When set, the next request (whatever it is) answers this HTTP status, then it clears. */
  nextStatus?: number
  /** Jobs created while set end in failure (BFL: Error; Runway: FAILED; Luma: failed). */
  failJob: boolean
  close: () => Promise<void>
}

/** While set, BFL tasks created end "Content Moderated" instead of Ready. */
export type FakeBfl = FakeVendor & { moderate: boolean }

type Request = { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders; body: unknown }
type Answer = { status: number; json?: unknown; bytes?: Uint8Array; type?: string }

const ok = (json: unknown, status = 200): Answer => ({ status, json })
const file = (type: string): Answer => ({ status: 200, bytes: new TextEncoder().encode(`fake ${type}`), type })

type Vendor<K> = {
  /** The vendor's error body for a status and message. */
  error: (status: number, message: string) => unknown
  authorised: (req: Request, apiKey: string) => boolean
  route: (req: Request, fake: FakeVendor & K) => Answer
}

async function startVendor<K extends object>(apiKey: string, knobs: K, vendor: Vendor<K>): Promise<FakeVendor & K> {
  const fake = { url: '', apiKey, calls: [] as VendorCall[], nextStatus: undefined as number | undefined, failJob: false, close: async () => {}, ...knobs }
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString()
    let body: unknown = text || undefined
    if (/json/.test(req.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined // refused below as a missing body, as the vendors do
      }
    }
    const target = new URL(req.url ?? '/', fake.url)
    const request: Request = { method: req.method ?? 'GET', path: target.pathname, query: target.searchParams, headers: req.headers, body }
    fake.calls.push({ method: request.method, path: `${target.pathname}${target.search}`, headers: req.headers, body })
    let answer: Answer
    if (fake.nextStatus) {
      answer = { status: fake.nextStatus, json: vendor.error(fake.nextStatus, `injected HTTP ${fake.nextStatus}`) }
      fake.nextStatus = undefined
    } else if (!request.path.startsWith('/files/') && !vendor.authorised(request, apiKey)) {
      answer = { status: 401, json: vendor.error(401, 'Invalid API key') }
    } else {
      answer = vendor.route(request, fake)
    }
    const headers: Record<string, string> = { 'content-type': answer.type ?? 'application/json' }
    if (answer.status === 429) headers['retry-after'] = '1'
    res.writeHead(answer.status, headers)
    res.end(answer.bytes ?? (answer.json === undefined ? undefined : JSON.stringify(answer.json)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  return fake
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

// ---- BFL: POST /v1/<model> → {id, polling_url}; GET /v1/get_result?id= → Pending once, then Ready.

const BFL_CREDITS: Record<string, number> = { 'flux-pro-1.1': 4, 'flux-pro-1.1-ultra': 6, 'flux-pro': 5, 'flux-dev': 2.5, 'flux-kontext-pro': 4, 'flux-kontext-max': 8 }
const BFL_PIXEL_SIZED = new Set(['flux-pro-1.1', 'flux-pro', 'flux-dev'])

export async function startFakeBfl(apiKey = 'bfl-test-key'): Promise<FakeBfl> {
  const jobs = new Map<string, { polls: number; outcome: 'ready' | 'moderated' | 'error'; prompt: unknown }>()
  // FastAPI's validation error shape.
  const invalid = (field: string, msg: string) => ({ status: 422, json: { detail: [{ loc: ['body', field], msg, type: 'value_error' }] } })
  return startVendor(apiKey, { moderate: false }, {
    error: (_status, message) => ({ detail: message }),
    authorised: (req, key) => req.headers['x-key'] === key,
    route: (req, fake) => {
      const model = /^\/v1\/([\w.-]+)$/.exec(req.path)?.[1]
      if (req.method === 'POST' && model && model in BFL_CREDITS) {
        const b = req.body
        if (!isObject(b)) return invalid('body', 'Field required')
        if (typeof b.prompt !== 'string' || !b.prompt) return invalid('prompt', 'Field required')
        for (const side of ['width', 'height']) {
          const v = b[side]
          if (v !== undefined && (!BFL_PIXEL_SIZED.has(model) || typeof v !== 'number' || v % 32 !== 0 || v < 256 || v > 1440))
            return invalid(side, 'Input should be a multiple of 32 between 256 and 1440')
        }
        const id = randomUUID()
        jobs.set(id, { polls: 0, outcome: fake.moderate ? 'moderated' : fake.failJob ? 'error' : 'ready', prompt: b.prompt })
        return ok({ id, polling_url: `${fake.url}/v1/get_result?id=${id}`, cost: BFL_CREDITS[model], input_mp: null, output_mp: 1.05 })
      }
      if (req.method === 'GET' && req.path === '/v1/get_result') {
        const id = req.query.get('id') ?? ''
        const job = jobs.get(id)
        const base = { id, result: null, progress: null, details: null, preview: null }
        if (!job) return ok({ ...base, status: 'Task not found' })
        job.polls++
        if (job.polls === 1) return ok({ ...base, status: 'Pending', progress: 0.4 })
        if (job.outcome === 'moderated') return ok({ ...base, status: 'Content Moderated', details: { 'Moderation Reasons': ['Derivative Works Filter'] } })
        if (job.outcome === 'error') return ok({ ...base, status: 'Error', details: { message: 'Generation failed' } })
        return ok({ ...base, status: 'Ready', result: { sample: `${fake.url}/files/${id}.jpeg`, prompt: job.prompt, seed: 42 } })
      }
      if (req.method === 'GET' && req.path.startsWith('/files/')) return file('image/jpeg')
      return { status: 404, json: { detail: 'Not Found' } }
    },
  })
}

// ---- Runway: POST /v1/{image,text,video}_to_video → {id}; GET /v1/tasks/{id} → PENDING, RUNNING, SUCCEEDED.

const RUNWAY_ENDPOINTS: Record<string, string[]> = {
  image_to_video: ['gen4_turbo', 'gen3a_turbo', 'veo3'],
  text_to_video: ['veo3'],
  video_to_video: ['gen4_aleph'],
}
const RUNWAY_REQUIRED: Record<string, string> = { image_to_video: 'promptImage', text_to_video: 'promptText', video_to_video: 'videoUri' }
// Credits per output second (1 credit = $0.01), and the durations each model takes.
const RUNWAY_CREDITS: Record<string, number> = { gen4_turbo: 5, gen3a_turbo: 5, gen4_aleph: 15, veo3: 40 }
const RUNWAY_DURATIONS: Record<string, number[]> = { gen4_turbo: [5, 10], gen3a_turbo: [5, 10], veo3: [8] }
/** Aleph uses at most the first 5 s of its input video. */
const ALEPH_MAX_SECONDS = 5

/**
 * While `inputVideoSeconds` is set, video_to_video inputs are that long (else 5 s or more).
 * While `runningPolls` is set, tasks created answer RUNNING that many times before they end.
 */
export type FakeRunway = FakeVendor & { inputVideoSeconds?: number; runningPolls?: number }

export async function startFakeRunway(apiKey = 'runway-test-key'): Promise<FakeRunway> {
  const tasks = new Map<string, { polls: number; running: number; fail: boolean; cancelled: boolean; credits: number }>()
  return startVendor<{ inputVideoSeconds?: number; runningPolls?: number }>(apiKey, { inputVideoSeconds: undefined, runningPolls: undefined }, {
    error: (_status, message) => ({ error: message }),
    authorised: (req, key) => req.headers.authorization === `Bearer ${key}`,
    route: (req, fake) => {
      if (req.path.startsWith('/v1/') && req.headers['x-runway-version'] !== '2024-11-06') return { status: 400, json: { error: 'The X-Runway-Version header is missing or invalid' } }
      const endpoint = /^\/v1\/(\w+)$/.exec(req.path)?.[1] ?? ''
      if (req.method === 'POST' && RUNWAY_ENDPOINTS[endpoint]) {
        const b = req.body
        if (!isObject(b) || !RUNWAY_ENDPOINTS[endpoint].includes(String(b.model))) return { status: 400, json: { error: "Invalid parameter 'model'" } }
        for (const field of [RUNWAY_REQUIRED[endpoint], 'ratio'])
          if (typeof b[field] !== 'string' || !b[field]) return { status: 400, json: { error: `Invalid parameter '${field}'` } }
        // Aleph's output is as long as its input; the others take one of their durations.
        const offered = RUNWAY_DURATIONS[String(b.model)]
        if (offered ? b.duration !== undefined && !offered.includes(b.duration as number) : b.duration !== undefined)
          return { status: 400, json: { error: "Invalid parameter 'duration'" } }
        const seconds = offered ? ((b.duration as number | undefined) ?? offered[0]) : Math.min(ALEPH_MAX_SECONDS, fake.inputVideoSeconds ?? ALEPH_MAX_SECONDS)
        const id = randomUUID()
        const credits = RUNWAY_CREDITS[String(b.model)] * seconds
        tasks.set(id, { polls: 0, running: fake.runningPolls ?? 1, fail: fake.failJob, cancelled: false, credits })
        return ok({ id, estimatedCost: { credits } })
      }
      const taskId = /^\/v1\/tasks\/([\w-]+)$/.exec(req.path)?.[1]
      const task = taskId ? tasks.get(taskId) : undefined
      if (taskId && !task) return { status: 404, json: { error: 'Task not found' } }
      if (task && req.method === 'DELETE') {
        task.cancelled = true
        return { status: 204, type: 'text/plain' }
      }
      if (task && req.method === 'GET') {
        const base = { id: taskId, createdAt: new Date().toISOString() }
        if (task.cancelled) return ok({ ...base, status: 'CANCELLED', cost: { credits: 0 } })
        task.polls++
        if (task.polls === 1) return ok({ ...base, status: 'PENDING', estimatedCost: { credits: task.credits } })
        if (task.polls <= 1 + task.running) return ok({ ...base, status: 'RUNNING', progress: 0.5, estimatedCost: { credits: task.credits } })
        if (task.fail) return ok({ ...base, status: 'FAILED', failure: 'Generation failed the safety check', failureCode: 'SAFETY.INPUT.TEXT', cost: { credits: 0 } })
        return ok({ ...base, status: 'SUCCEEDED', output: [`${fake.url}/files/${taskId}.mp4`], cost: { credits: task.credits } })
      }
      if (req.method === 'GET' && req.path.startsWith('/files/')) return file('video/mp4')
      return { status: 404, json: { error: 'Not found' } }
    },
  })
}

// ---- Luma: POST /generations/video → Generation (201); GET /generations/{id} → queued, dreaming, completed.

export async function startFakeLuma(apiKey = 'luma-test-key'): Promise<FakeVendor> {
  const generations = new Map<string, { polls: number; fail: boolean; model: string; request: unknown; createdAt: string }>()
  const view = (id: string, g: { model: string; request: unknown; createdAt: string }, state: string, extra: object = {}) => ({
    id, generation_type: 'video', state, failure_reason: null, created_at: g.createdAt, model: g.model, assets: null, request: g.request, ...extra,
  })
  return startVendor(apiKey, {}, {
    error: (_status, message) => ({ detail: message }),
    authorised: (req, key) => req.headers.authorization === `Bearer ${key}`,
    route: (req, fake) => {
      if (req.method === 'POST' && req.path === '/generations/video') {
        const b = req.body
        if (!isObject(b) || (b.model !== 'ray-2' && b.model !== 'ray-flash-2')) return { status: 400, json: { detail: 'Invalid model' } }
        if (b.duration !== undefined && !/^\d+s$/.test(String(b.duration))) return { status: 400, json: { detail: 'Invalid duration' } }
        const id = randomUUID()
        const g = { polls: 0, fail: fake.failJob, model: b.model, request: b, createdAt: new Date().toISOString() }
        generations.set(id, g)
        return ok(view(id, g, 'queued'), 201)
      }
      const id = /^\/generations\/([\w-]+)$/.exec(req.path)?.[1]
      const g = id ? generations.get(id) : undefined
      if (id && !g) return { status: 404, json: { detail: 'Generation not found' } }
      if (id && g && req.method === 'DELETE') {
        generations.delete(id)
        return { status: 204, type: 'text/plain' }
      }
      if (id && g && req.method === 'GET') {
        g.polls++
        if (g.polls === 1) return ok(view(id, g, 'queued'))
        if (g.polls === 2) return ok(view(id, g, 'dreaming'))
        if (g.fail) return ok(view(id, g, 'failed', { failure_reason: 'Prompt not allowed because advanced moderation failed' }))
        return ok(view(id, g, 'completed', { assets: { video: `${fake.url}/files/${id}.mp4`, image: `${fake.url}/files/${id}.jpg`, progress_video: null } }))
      }
      if (req.method === 'GET' && req.path.startsWith('/files/')) return file('video/mp4')
      return { status: 404, json: { detail: 'Not Found' } }
    },
  })
}
