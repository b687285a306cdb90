// The media adapters: requests built as each vendor documents them, vendor answers parsed
// (including moderation, errors and garbage), and BFL / Runway / Luma driven end to end through
// the transport against the fakes in test/fakes/vendors.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeBfl, startFakeLuma, startFakeRunway, type FakeBfl, type FakeVendor } from '@/test/fakes/vendors'
import { bfl } from '@/lib/providers/bfl'
import { ideogram } from '@/lib/providers/ideogram'
import { luma } from '@/lib/providers/luma'
import { getAdapter } from '@/lib/providers/registry'
import { runway } from '@/lib/providers/runway'
import { stability } from '@/lib/providers/stability'
import { exchange, retryAfterSeconds, UpstreamError } from '@/lib/providers/transport'
import type { HttpCall, ImageRequest, ImageStep, ParsedBody, ProviderAdapter, VideoRequest, VideoStatus } from '@/lib/providers/types'

const config = { apiKey: 'sk-test', baseUrl: 'https://vendor.test' }
const parsed = (json: unknown): ParsedBody => ({ json, contentType: 'application/json', headers: new Headers() })
const image = (model: string, over: Partial<ImageRequest> = {}): ImageRequest => ({ model, prompt: 'a red fox', n: 1, responseFormat: 'url', extra: {}, ...over })
const video = (model: string, over: Partial<VideoRequest> = {}): VideoRequest => ({ model, prompt: 'waves at dusk', seconds: 5, extra: {}, ...over })
const jsonOf = (call: HttpCall) => JSON.parse(call.body as string)
const form = (call: HttpCall) => Object.fromEntries((call.body as FormData).entries())

it('registers every adapter under its own id', () => {
  for (const id of ['openai', 'bfl', 'stability', 'ideogram', 'runway', 'luma', 'simulator'] as const) expect(getAdapter(id)?.id).toBe(id)
  // BFL and Stability make one picture a request; Ideogram up to 8.
  expect([bfl, stability, ideogram].map((a) => a.image!.imagesPerRequest)).toEqual([1, 1, 8])
})

describe('bfl', () => {
  const img = bfl.image!
  it('posts to /v1/<model> with x-key, pixels for pro-1.1/dev and a ratio for ultra/kontext', () => {
    const call = img.buildRequest(image('flux-pro-1.1', { size: '1024x768', extra: { seed: 7, safety_tolerance: 2 } }), config)
    expect(call).toMatchObject({ method: 'POST', url: 'https://vendor.test/v1/flux-pro-1.1', headers: { 'x-key': 'sk-test', 'content-type': 'application/json' } })
    expect(jsonOf(call)).toEqual({ prompt: 'a red fox', width: 1024, height: 768, seed: 7, safety_tolerance: 2 })
    expect(jsonOf(img.buildRequest(image('flux-pro-1.1-ultra', { size: '1920x1080' }), config))).toEqual({ prompt: 'a red fox', aspect_ratio: '16:9' })
    expect(jsonOf(img.buildRequest(image('flux-kontext-max', { size: '21:9' }), config))).toEqual({ prompt: 'a red fox', aspect_ratio: '21:9' })
    expect(jsonOf(img.buildRequest(image('flux-dev', { size: 'auto' }), config))).toEqual({ prompt: 'a red fox' })
  })
  it('refuses models it does not price and sizes it cannot read', () => {
    expect(() => img.buildRequest(image('flux-2-pro'), config)).toThrow(/does not serve/)
    expect(() => img.buildRequest(image('flux-dev', { size: 'large' }), config)).toThrow(/WIDTHxHEIGHT/)
    expect(() => img.buildRequest(image('flux-dev', { size: '16:9' }), config)).toThrow(/pixels/)
  })
  it('polls the polling_url, then the id-based result URL while Pending or unknown', () => {
    const created = img.parseResponse(parsed({ id: 't1', polling_url: 'https://api.us1.bfl.ai/v1/get_result?id=t1', cost: 4 }), image('flux-dev'), config)
    expect(created).toEqual({ done: false, poll: { method: 'GET', url: 'https://api.us1.bfl.ai/v1/get_result?id=t1', headers: { 'x-key': 'sk-test', accept: 'application/json' } } })
    // A webhook request answers without polling_url.
    expect(img.parseResponse(parsed({ id: 't/2', status: 'Pending', webhook_url: 'https://x' }), image('flux-dev'), config)).toMatchObject({ poll: { url: 'https://vendor.test/v1/get_result?id=t%2F2' } })
    // Still running: poll the same polling_url again (BFL may have routed the task to a region).
    const regional = { method: 'GET' as const, url: 'https://api.us1.bfl.ai/v1/get_result?id=t1', headers: {} }
    for (const status of ['Pending', 'Generating'])
      expect(img.parsePoll!(parsed({ id: 't1', status, result: null }), image('flux-dev'), config, regional)).toEqual({ done: false, poll: regional })
  })
  const poll = { method: 'GET' as const, url: 'https://vendor.test/v1/get_result?id=t1', headers: {} }
  it('reads Ready, moderation, Error and Task not found', () => {
    const ready = img.parsePoll!(parsed({ id: 't1', status: 'Ready', result: { sample: 'https://delivery/x.jpeg', prompt: 'a red fox', seed: 1 } }), image('flux-dev'), config, poll)
    expect(ready).toEqual({ done: true, result: { images: [{ url: 'https://delivery/x.jpeg' }] } })
    for (const status of ['Request Moderated', 'Content Moderated'])
      expect(img.parsePoll!(parsed({ id: 't1', status }), image('flux-dev'), config, poll)).toEqual({ done: true, result: { images: [], contentFiltered: true } })
    expect(() => img.parsePoll!(parsed({ id: 't1', status: 'Error', details: 'GPU lost' }), image('flux-dev'), config, poll)).toThrow('BFL generation failed: GPU lost')
    expect(() => img.parsePoll!(parsed({ id: 't1', status: 'Task not found' }), image('flux-dev'), config, poll)).toThrow(/does not know task t1/)
  })
  it('throws on bodies of the wrong shape and reads FastAPI errors', () => {
    for (const json of [null, [], { polling_url: 'https://x' }]) expect(() => img.parseResponse(parsed(json), image('flux-dev'), config)).toThrow()
    for (const json of [null, { id: 't1' }, { id: 't1', status: 'Ready', result: null }]) expect(() => img.parsePoll!(parsed(json), image('flux-dev'), config, poll)).toThrow()
    expect(bfl.parseError(422, parsed({ detail: [{ loc: ['body', 'width'], msg: 'Input should be a multiple of 32', type: 'x' }] }))).toBe('Input should be a multiple of 32')
    expect(bfl.parseError(402, parsed({ detail: 'Insufficient credits' }))).toBe('Insufficient credits')
  })
})

describe('stability', () => {
  const img = stability.image!
  it.each([
    ['stable-image-ultra', 'ultra', undefined],
    ['stable-image-core', 'core', undefined],
    ['sd3.5-large', 'sd3', 'sd3.5-large'],
    ['sd3.5-large-turbo', 'sd3', 'sd3.5-large-turbo'],
    ['sd3-medium', 'sd3', 'sd3.5-medium'],
  ])('%s posts a form to /generate/%s', (model, endpoint, formModel) => {
    const call = img.buildRequest(image(model, { size: '1792x1024', extra: { negative_prompt: 'blur', seed: 3 } }), config)
    expect(call.url).toBe(`https://vendor.test/v2beta/stable-image/generate/${endpoint}`)
    expect(call.headers).toEqual({ authorization: 'Bearer sk-test', accept: 'application/json' })
    expect(form(call)).toEqual({ prompt: 'a red fox', negative_prompt: 'blur', seed: '3', aspect_ratio: '16:9', ...(formModel ? { model: formModel } : {}) })
  })
  it('picks the nearest allowed aspect ratio', () => {
    const ratio = (size: string) => form(img.buildRequest(image('stable-image-core', { size }), config)).aspect_ratio
    expect([ratio('1024x1024'), ratio('832x1216'), ratio('2560x1080'), ratio('1024x1792')]).toEqual(['1:1', '2:3', '21:9', '9:16'])
    expect(() => img.buildRequest(image('sd3.5-flash'), config)).toThrow(/does not serve/)
  })
  it('returns base64, flags CONTENT_FILTERED, takes raw bytes, throws on garbage', () => {
    expect(img.parseResponse(parsed({ image: 'iVBOR', seed: 1, finish_reason: 'SUCCESS' }), image('stable-image-core'), config)).toEqual({ done: true, result: { images: [{ b64_json: 'iVBOR' }] } })
    expect(img.parseResponse(parsed({ image: 'blurred', seed: 1, finish_reason: 'CONTENT_FILTERED' }), image('stable-image-core'), config)).toEqual({
      done: true,
      result: { images: [{ b64_json: 'blurred' }], contentFiltered: true },
    })
    const bytes: ParsedBody = { bytes: new Uint8Array([1, 2, 3]), contentType: 'image/png', headers: new Headers({ 'finish-reason': 'CONTENT_FILTERED' }) }
    expect(img.parseResponse(bytes, image('stable-image-core'), config)).toEqual({ done: true, result: { images: [{ b64_json: 'AQID' }], contentFiltered: true } })
    for (const json of [null, {}, { image: 42 }]) expect(() => img.parseResponse(parsed(json), image('stable-image-core'), config)).toThrow()
    expect(stability.parseError(400, parsed({ id: 'abc', name: 'bad_request', errors: ['prompt: is required', 'seed: too big'] }))).toBe('prompt: is required; seed: too big')
  })
})

describe('ideogram', () => {
  const img = ideogram.image!
  it('3.0: multipart with Api-Key, rendering_speed from quality, num_images, 16x9-style ratio', () => {
    const call = img.buildRequest(image('ideogram-v3', { n: 3, size: '1920x1080', quality: 'turbo', extra: { style_type: 'REALISTIC', style_codes: ['AAAA0000', 'BBBB1111'] } }), config)
    expect(call).toMatchObject({ method: 'POST', url: 'https://vendor.test/v1/ideogram-v3/generate', headers: { 'Api-Key': 'sk-test' } })
    expect(form(call)).toMatchObject({ prompt: 'a red fox', rendering_speed: 'TURBO', num_images: '3', aspect_ratio: '16x9', style_type: 'REALISTIC' })
    expect((call.body as FormData).getAll('style_codes')).toEqual(['AAAA0000', 'BBBB1111'])
    const speed = (quality?: string) => form(img.buildRequest(image('ideogram-v3', { quality }), config)).rendering_speed
    expect([speed(undefined), speed('balanced'), speed('default'), speed('quality'), speed('hd')]).toEqual(['DEFAULT', 'DEFAULT', 'DEFAULT', 'QUALITY', 'QUALITY'])
    expect(() => speed('flash')).toThrow(/turbo, balanced or quality/)
  })
  it('2.0: JSON image_request on /generate', () => {
    const call = img.buildRequest(image('ideogram-v2-turbo', { n: 2, size: '768x1024', extra: { seed: 7 } }), config)
    expect(call).toMatchObject({ url: 'https://vendor.test/generate', headers: { 'Api-Key': 'sk-test', 'content-type': 'application/json' } })
    expect(jsonOf(call)).toEqual({ image_request: { prompt: 'a red fox', model: 'V_2_TURBO', num_images: 2, aspect_ratio: 'ASPECT_3_4', seed: 7 } })
    expect(jsonOf(img.buildRequest(image('ideogram-v2'), config)).image_request.model).toBe('V_2')
    expect(() => img.buildRequest(image('ideogram-v1'), config)).toThrow(/does not serve/)
  })
  it('drops withheld pictures and says so', () => {
    const data = [
      { url: 'https://ideogram/a.png', prompt: 'a red fox, golden hour', resolution: '1280x720', is_image_safe: true, seed: 1 },
      { url: null, prompt: 'a red fox', resolution: '1280x720', is_image_safe: false, seed: 2 },
      { url: 'https://ideogram/c.png', prompt: 'a red fox', resolution: '1280x720', is_image_safe: false, seed: 3 },
    ]
    expect(img.parseResponse(parsed({ created: '2025-04-05T12:00:00Z', data }), image('ideogram-v3', { quality: 'default' }), config)).toEqual({
      done: true,
      result: { images: [{ url: 'https://ideogram/a.png', revised_prompt: 'a red fox, golden hour' }], size: '1280x720', quality: 'balanced', contentFiltered: true },
    })
    expect(img.parseResponse(parsed({ data: [data[0]] }), image('ideogram-v2'), config)).toEqual({ done: true, result: { images: [{ url: 'https://ideogram/a.png', revised_prompt: 'a red fox, golden hour' }], size: '1280x720' } })
    for (const json of [null, {}, { data: 'x' }]) expect(() => img.parseResponse(parsed(json), image('ideogram-v3'), config)).toThrow()
    expect(ideogram.parseError(422, parsed({ error: 'Prompt provided failed safety check.' }))).toBe('Prompt provided failed safety check.')
    expect(ideogram.parseError(401, { contentType: '', headers: new Headers() })).toBe('upstream answered HTTP 401')
  })
})

describe('runway', () => {
  const v = runway.video!
  it('creates on image_to_video / text_to_video / video_to_video with the version header', () => {
    const call = v.buildCreate(video('gen4_turbo', { imageUrl: 'https://img/1.png', aspectRatio: '9:16', seconds: 10, extra: { seed: 4 } }), config)
    expect(call).toMatchObject({ method: 'POST', url: 'https://vendor.test/v1/image_to_video', headers: { authorization: 'Bearer sk-test', 'x-runway-version': '2024-11-06' } })
    expect(jsonOf(call)).toEqual({ model: 'gen4_turbo', promptText: 'waves at dusk', promptImage: 'https://img/1.png', ratio: '720:1280', duration: 10, seed: 4 })
    expect(v.buildCreate(video('veo3', { seconds: 8 }), config).url).toBe('https://vendor.test/v1/text_to_video')
    expect(jsonOf(v.buildCreate(video('veo3', { resolution: '1280x720' }), config)).ratio).toBe('1280:720')
    expect(jsonOf(v.buildCreate(video('gen3a_turbo', { imageUrl: 'https://img/1.png' }), config)).ratio).toBe('1280:768')
    const aleph = v.buildCreate(video('gen4_aleph', { extra: { videoUri: 'https://v/in.mp4' } }), config)
    expect([aleph.url, jsonOf(aleph)]).toEqual(['https://vendor.test/v1/video_to_video', { model: 'gen4_aleph', promptText: 'waves at dusk', ratio: '1280:720', videoUri: 'https://v/in.mp4' }])
    expect(() => v.buildCreate(video('gen4.5'), config)).toThrow(/does not serve/)
  })
  it('reads the task id and every task status', () => {
    expect(v.parseCreate(parsed({ id: 'task-1', estimatedCost: { credits: 50 } }))).toEqual({ jobId: 'task-1' })
    expect(v.buildPoll('task-1', config)).toMatchObject({ method: 'GET', url: 'https://vendor.test/v1/tasks/task-1', headers: { 'x-runway-version': '2024-11-06' } })
    const cases: [object, VideoStatus][] = [
      [{ status: 'PENDING' }, { state: 'queued' }],
      [{ status: 'THROTTLED' }, { state: 'queued' }],
      [{ status: 'RUNNING', progress: 0.42 }, { state: 'running', progress: 0.42 }],
      [{ status: 'SUCCEEDED', output: ['https://out/1.mp4'], cost: { credits: 50 } }, { state: 'succeeded', outputUrl: 'https://out/1.mp4', seconds: 10 }],
      [{ status: 'SUCCEEDED', output: ['https://out/1.mp4'] }, { state: 'succeeded', outputUrl: 'https://out/1.mp4' }],
      [{ status: 'FAILED', failure: 'Input flagged', failureCode: 'SAFETY.INPUT.IMAGE' }, { state: 'failed', failure: 'Input flagged (SAFETY.INPUT.IMAGE)' }],
      [{ status: 'CANCELLED' }, { state: 'failed', failure: 'the Runway task was cancelled' }],
    ]
    for (const [json, status] of cases) expect(v.parsePoll(parsed({ id: 'task-1', ...json }), 'gen4_turbo')).toEqual(status)
    for (const json of [null, {}, { status: 'SUCCEEDED', output: [] }]) expect(() => v.parsePoll(parsed(json), 'gen4_turbo')).toThrow()
    // Aleph's length follows its input: Runway's credits (15 a second) say how long it came out.
    expect(v.parsePoll(parsed({ id: 'task-2', status: 'SUCCEEDED', output: ['https://out/2.mp4'], cost: { credits: 45 } }), 'gen4_aleph')).toMatchObject({ seconds: 3 })
    expect(() => v.parseCreate(parsed({}))).toThrow()
    expect(runway.parseError(400, parsed({ error: "Invalid parameter 'promptText'" }))).toBe("Invalid parameter 'promptText'")
  })
})

describe('luma', () => {
  const v = luma.video!
  it('creates with resolution, duration "<n>s", ratio and a first keyframe', () => {
    const call = v.buildCreate(video('ray-2', { seconds: 9, resolution: '1080p', aspectRatio: '9:16', imageUrl: 'https://img/1.png', extra: { loop: true } }), config)
    expect(call).toMatchObject({ method: 'POST', url: 'https://vendor.test/generations/video', headers: { authorization: 'Bearer sk-test' } })
    expect(jsonOf(call)).toEqual({ model: 'ray-2', prompt: 'waves at dusk', resolution: '1080p', duration: '9s', aspect_ratio: '9:16', loop: true, keyframes: { frame0: { type: 'image', url: 'https://img/1.png' } } })
    expect(jsonOf(v.buildCreate(video('ray-flash-2'), config))).toEqual({ model: 'ray-flash-2', prompt: 'waves at dusk', resolution: '720p', duration: '5s' })
    expect(jsonOf(v.buildCreate(video('ray-2', { resolution: '1920x1080' }), config))).toMatchObject({ resolution: '1080p', aspect_ratio: '16:9' })
    expect(() => v.buildCreate(video('ray-1-6'), config)).toThrow(/does not serve/)
  })
  it('reads generation states', () => {
    expect(v.buildPoll('g1', config).url).toBe('https://vendor.test/generations/g1')
    expect(v.parsePoll(parsed({ id: 'g1', state: 'queued' }), 'ray-2')).toEqual({ state: 'queued' })
    expect(v.parsePoll(parsed({ id: 'g1', state: 'dreaming' }), 'ray-2')).toEqual({ state: 'running' })
    expect(v.parsePoll(parsed({ id: 'g1', state: 'completed', assets: { video: 'https://out/v.mp4' } }), 'ray-2')).toEqual({ state: 'succeeded', outputUrl: 'https://out/v.mp4' })
    expect(v.parsePoll(parsed({ id: 'g1', state: 'failed', failure_reason: 'moderation' }), 'ray-2')).toEqual({ state: 'failed', failure: 'moderation' })
    for (const json of [null, { id: 'g1' }, { state: 'completed', assets: null }]) expect(() => v.parsePoll(parsed(json), 'ray-2')).toThrow()
    expect(luma.parseError(401, parsed({ detail: 'Invalid API key is provided' }))).toBe('Invalid API key is provided')
  })
})

// ---- End to end through the transport, against the fakes ----------------------------------

const send = (adapter: ProviderAdapter, call: HttpCall) => exchange(adapter, call, { timeoutMs: 5_000 })

async function generateImage(adapter: ProviderAdapter, req: ImageRequest, cfg: typeof config): Promise<ImageStep & { done: true }> {
  let step = adapter.image!.parseResponse(await send(adapter, adapter.image!.buildRequest(req, cfg)), req, cfg)
  for (let i = 0; !step.done && i < 10; i++) {
    const poll = step.poll
    step = adapter.image!.parsePoll!(await send(adapter, poll), req, cfg, poll)
  }
  if (!step.done) throw new Error('never finished')
  return step
}

async function generateVideo(adapter: ProviderAdapter, req: VideoRequest, cfg: typeof config): Promise<VideoStatus[]> {
  const { jobId } = adapter.video!.parseCreate(await send(adapter, adapter.video!.buildCreate(req, cfg)))
  const seen: VideoStatus[] = []
  while (seen.length < 10 && !['succeeded', 'failed'].includes(seen.at(-1)?.state ?? '')) seen.push(adapter.video!.parsePoll(await send(adapter, adapter.video!.buildPoll(jobId, cfg)), req.model))
  return seen
}

const upstreamError = (promise: Promise<unknown>) => promise.then(() => expect.unreachable(), (e: UpstreamError) => ({ failure: e.failure, status: e.upstreamStatus, message: e.message }))

describe('end to end against the fakes', () => {
  let fakeBfl: FakeBfl, fakeRunway: FakeVendor, fakeLuma: FakeVendor
  beforeAll(async () => void ([fakeBfl, fakeRunway, fakeLuma] = await Promise.all([startFakeBfl(), startFakeRunway(), startFakeLuma()])))
  afterAll(() => Promise.all([fakeBfl, fakeRunway, fakeLuma].map((f) => f?.close())))
  const cfg = (fake: FakeVendor) => ({ apiKey: fake.apiKey, baseUrl: fake.url })

  it('bfl: create, Pending, Ready; the image downloads', async () => {
    fakeBfl.calls.length = 0
    const step = await generateImage(bfl, image('flux-pro-1.1', { size: '1024x768' }), cfg(fakeBfl))
    expect(fakeBfl.calls.map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual(['POST /v1/flux-pro-1.1', 'GET /v1/get_result', 'GET /v1/get_result'])
    expect(fakeBfl.calls[0].body).toEqual({ prompt: 'a red fox', width: 1024, height: 768 })
    expect(step.result.images).toHaveLength(1)
    expect((await fetch(step.result.images[0].url!)).status).toBe(200)
  })
  it('bfl: moderation, failed jobs, bad keys and injected faults', async () => {
    fakeBfl.moderate = true
    expect((await generateImage(bfl, image('flux-dev'), cfg(fakeBfl))).result).toEqual({ images: [], contentFiltered: true })
    fakeBfl.moderate = false
    fakeBfl.failJob = true
    await expect(generateImage(bfl, image('flux-dev'), cfg(fakeBfl))).rejects.toThrow(/BFL generation failed/)
    fakeBfl.failJob = false
    expect(await upstreamError(generateImage(bfl, image('flux-dev'), { ...cfg(fakeBfl), apiKey: 'wrong' }))).toEqual({ failure: 'client_error', status: 401, message: 'Invalid API key' })
    fakeBfl.nextStatus = 429
    expect(await upstreamError(generateImage(bfl, image('flux-dev'), cfg(fakeBfl)))).toEqual({ failure: 'rate_limited', status: 429, message: 'injected HTTP 429' })
    expect(await upstreamError(generateImage(bfl, image('flux-dev', { size: '1000x700' }), cfg(fakeBfl)))).toMatchObject({ status: 422, message: /multiple of 32/ })
  })
  it('runway: PENDING, RUNNING, SUCCEEDED; FAILED; 5xx', async () => {
    const states = await generateVideo(runway, video('gen4_turbo', { imageUrl: 'https://img/1.png' }), cfg(fakeRunway))
    expect(states.map((s) => s.state)).toEqual(['queued', 'running', 'succeeded'])
    expect((await fetch(states[2].outputUrl!)).headers.get('content-type')).toBe('video/mp4')
    fakeRunway.failJob = true
    expect((await generateVideo(runway, video('veo3', { seconds: 8 }), cfg(fakeRunway))).at(-1)).toEqual({ state: 'failed', failure: 'Generation failed the safety check (SAFETY.INPUT.TEXT)' })
    fakeRunway.failJob = false
    fakeRunway.nextStatus = 503
    expect(await upstreamError(generateVideo(runway, video('veo3'), cfg(fakeRunway)))).toEqual({ failure: 'server_error', status: 503, message: 'injected HTTP 503' })
    // gen4_turbo cannot do text-to-video: Runway's 400 passes through.
    expect(await upstreamError(generateVideo(runway, video('gen4_turbo'), cfg(fakeRunway)))).toEqual({ failure: 'client_error', status: 400, message: "Invalid parameter 'model'" })
  })
  it('luma: queued, dreaming, completed', async () => {
    const states = await generateVideo(luma, video('ray-2'), cfg(fakeLuma))
    expect(states.map((s) => s.state)).toEqual(['queued', 'running', 'succeeded'])
    expect(fakeLuma.calls[0].body).toMatchObject({ model: 'ray-2', duration: '5s', resolution: '720p' })
    expect(await upstreamError(generateVideo(luma, video('ray-2'), { ...cfg(fakeLuma), apiKey: 'wrong' }))).toMatchObject({ status: 401, message: 'Invalid API key' })
  })
})

describe('retryAfterSeconds', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-03-01T12:00:00Z')
    expect(retryAfterSeconds('7', now)).toBe(7)
    expect(retryAfterSeconds('Sun, 01 Mar 2026 12:00:20 GMT', now)).toBe(20)
    expect(retryAfterSeconds('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0)
    expect(retryAfterSeconds('soon', now)).toBeUndefined()
    expect(retryAfterSeconds('-3', now)).toBeUndefined()
    expect(retryAfterSeconds(null, now)).toBeUndefined()
  })
})
