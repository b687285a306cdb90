// Images and video through the gateway, against fake OpenAI, BFL and Runway upstreams: the
// answers, the asynchronous jobs, and the single usage row each call or job leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { calculateImageCost, calculateVideoCost } from '@/lib/pricing/media'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { startFakeBfl, startFakeRunway, type FakeBfl, type FakeRunway } from '@/test/fakes/vendors'
import { withClient } from '@/test/databases'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let openai: FakeOpenAI
let bfl: FakeBfl
let runway: FakeRunway
let server: NextServer
const db = () => process.env.DATABASE_URL!
// Short, so jobs finish quickly here; the default is 5 s (Runway asks for no faster).
const POLL_INTERVAL_MS = 1_000
const serverEnv = () => ({
  VIDEO_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
  DATABASE_URL: db(),
  AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
  OPENAI_API_KEY: openai.apiKey,
  OPENAI_BASE_URL: openai.url,
  BFL_API_KEY: bfl.apiKey,
  BFL_BASE_URL: bfl.url,
  RUNWAY_API_KEY: runway.apiKey,
  RUNWAY_BASE_URL: runway.url,
})

beforeAll(async () => {
  ;[openai, bfl, runway] = await Promise.all([startFakeOpenAI(), startFakeBfl(), startFakeRunway()])
  server = await startNextServer(serverEnv())
})

afterAll(async () => {
  await server?.stop()
  await Promise.all([openai?.close(), bfl?.close(), runway?.close()])
})

async function pollVideo(key: string, id: string, until: (status: string) => boolean = (s) => s === 'succeeded' || s === 'failed') {
  // The vendor is asked at most once per POLL_INTERVAL_MS, so a job takes a few intervals.
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const job = await (await fetch(`${server.url}/api/v1/videos/generations/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()
    if (until(job.status)) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`video ${id} never finished`)
}

async function createVideo(key: string, body: object, base = server.url) {
  const response = await fetch(`${base}/api/v1/videos/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

describe('POST /api/v1/images/generations', () => {
  it('generates DALL-E 3 images through OpenAI and prices them by size and quality', async () => {
    const u = await createGatewayUser(server.url)
    const result = await u.client.images.generate({ model: 'dall-e-3', prompt: 'a lighthouse', size: '1792x1024', quality: 'hd' })
    expect(result.data?.[0]).toMatchObject({ url: `${openai.url}/files/image-0.png`, revised_prompt: 'a lighthouse (revised)' })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ service_type: 'image', provider: 'openai', model: 'dall-e-3', status: 'success', images_generated: 1, cost_status: 'priced' })
    expect(canonical(row.total_cost)).toBe('0.12')
    expect(row.metadata).toMatchObject({ size: '1792x1024', quality: 'hd' })
    expect(row.price_snapshot).toMatchObject({ variant: 'hd|1792x1024', rates: { image: '0.12' } })
  })

  it('says the cost of the images with the answer (x-tollgate-cost), as the row books it', async () => {
    const u = await createGatewayUser(server.url)
    const { response } = await u.client.images.generate({ model: 'dall-e-3', prompt: 'a lighthouse', size: '1792x1024', quality: 'hd' }).withResponse()
    // DALL-E 3 HD 1792×1024 is $0.12 an image.
    expect(response.headers.get('x-tollgate-cost')).toBe('0.12')
    expect(response.headers.get('x-tollgate-cost-status')).toBe('priced')
    const [row] = await usageRows(db(), u.id)
    expect(canonical(row.total_cost)).toBe('0.12')
  })

  it('bills gpt-image-1 from the tokens OpenAI reports and never stores the image', async () => {
    const u = await createGatewayUser(server.url)
    const result = await u.client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', quality: 'high' })
    expect(result.data?.[0].b64_json).toBeTruthy()
    const [row] = await usageRows(db(), u.id)
    const expected = calculateImageCost({ provider: 'openai', model: 'gpt-image-1', usage: { inputTextTokens: 50, inputImageTokens: 0, outputImageTokens: 4160 } })
    expect(canonical(row.total_cost)).toBe(expected.totalCost)
    expect(row).toMatchObject({ input_tokens: 50, output_tokens: 4160 })
    expect(JSON.stringify(row.response_payload)).not.toContain(result.data![0].b64_json!)
  })

  it('runs FLUX as one BFL task per image, polling each to completion', async () => {
    const u = await createGatewayUser(server.url)
    const before = bfl.calls.length
    const result = await u.client.images.generate({ model: 'flux-pro-1.1', prompt: 'a red fox', n: 2, size: '1024x768' })
    expect(result.data).toHaveLength(2)
    const created = bfl.calls.slice(before).filter((c) => c.method === 'POST')
    expect(created).toHaveLength(2)
    expect(created[0].body).toMatchObject({ prompt: 'a red fox', width: 1024, height: 768 })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'bfl', images_generated: 2 })
    expect(canonical(row.total_cost)).toBe(calculateImageCost({ provider: 'bfl', model: 'flux-pro-1.1', count: 2 }).totalCost)
  })

  it('answers 400 when the provider moderates every image, and charges nothing', async () => {
    const u = await createGatewayUser(server.url)
    bfl.moderate = true
    try {
      await expect(u.client.images.generate({ model: 'flux-dev', prompt: 'something forbidden' })).rejects.toMatchObject({ status: 400 })
    } finally {
      bfl.moderate = false
    }
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'error', error_code: 'upstream_rejected', total_cost: '0.000000000000' })
  })

  it('serves models of vendors without a key from the simulator, priced as the real model', async () => {
    const u = await createGatewayUser(server.url)
    const result = await u.client.images.generate({ model: 'stable-image-core', prompt: 'a tree', response_format: 'b64_json' })
    expect(Buffer.from(result.data![0].b64_json!, 'base64').toString()).toContain('<svg')
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'simulator', model: 'stable-image-core' })
    expect(canonical(row.total_cost)).toBe('0.03')
    expect(row.price_snapshot).toMatchObject({ simulated: true })
  })

  it('refuses a size the model does not offer before calling anyone', async () => {
    const u = await createGatewayUser(server.url)
    const before = openai.calls.length
    await expect(u.client.images.generate({ model: 'dall-e-3', prompt: 'x', size: '256x256' })).rejects.toMatchObject({ status: 400, param: 'size' })
    expect(openai.calls.length).toBe(before)
  })
})

describe('video jobs', () => {
  it('returns a job, and writes its one row when polling finds it finished, charged by seconds', async () => {
    const u = await createGatewayUser(server.url)
    const response = await fetch(`${server.url}/api/v1/videos/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gen4_turbo', prompt: 'waves at dusk', image_url: 'https://example.test/first.png', seconds: 10 }),
    })
    expect(response.status).toBe(201)
    const job = await response.json()
    expect(job).toMatchObject({ object: 'video.generation', status: 'queued', model: 'gen4_turbo', seconds: 10 })
    expect(await usageRows(db(), u.id, 1, 300)).toEqual([]) // nothing charged while it runs

    const running = await pollVideo(u.key, job.id, (s) => s === 'running')
    expect(running.status).toBe('running')
    const done = await pollVideo(u.key, job.id)
    expect(done).toMatchObject({ status: 'succeeded', output: { url: expect.stringContaining(runway.url) } })
    // Polling again (and in parallel) never records twice.
    await Promise.all([1, 2, 3].map(() => pollVideo(u.key, job.id)))
    const rows = await usageRows(db(), u.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ service_type: 'video', provider: 'runway', status: 'success', video_seconds: '10.000' })
    expect(canonical(rows[0].total_cost)).toBe(calculateVideoCost({ provider: 'runway', model: 'gen4_turbo', seconds: 10 }).totalCost)
    expect(canonical(rows[0].total_cost)).toBe('0.5')
  })

  it('says the hold when a job starts (estimated), and the charge once it has ended', async () => {
    const u = await createGatewayUser(server.url)
    const response = await fetch(`${server.url}/api/v1/videos/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gen4_turbo', prompt: 'waves at dusk', image_url: 'https://example.test/first.png', seconds: 10 }),
    })
    expect(response.status).toBe(201)
    // gen4_turbo: $0.05 a second, 10 s held.
    expect(response.headers.get('x-tollgate-cost')).toBe('0.5')
    expect(response.headers.get('x-tollgate-cost-status')).toBe('estimated')
    const job = await response.json()
    const done = await pollVideo(u.key, job.id)
    expect(done).toMatchObject({ status: 'succeeded', charged: { total_cost: '0.5', cost_status: 'priced' } })
    const again = await fetch(`${server.url}/api/v1/videos/generations/${job.id}`, { headers: { authorization: `Bearer ${u.key}` } })
    expect(again.headers.get('x-tollgate-cost')).toBe('0.5')
    expect(again.headers.get('x-tollgate-cost-status')).toBe('priced')
  })

  it('charges nothing for a job that fails, and says why', async () => {
    const u = await createGatewayUser(server.url)
    runway.failJob = true
    let job
    try {
      job = await (
        await fetch(`${server.url}/api/v1/videos/generations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gen4_turbo', prompt: 'fails', image_url: 'https://example.test/a.png', seconds: 5 }),
        })
      ).json()
    } finally {
      runway.failJob = false
    }
    const done = await pollVideo(u.key, job.id)
    expect(done.status).toBe('failed')
    expect(done.error.message).toBeTruthy()
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'error', error_code: 'generation_failed', total_cost: '0.000000000000', video_seconds: '0.000' })
  })

  it('answers 404 for another user\'s job', async () => {
    const [a, b] = await Promise.all([createGatewayUser(server.url), createGatewayUser(server.url)])
    const job = await (
      await fetch(`${server.url}/api/v1/videos/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'ray-2', prompt: 'simulated luma', seconds: 5, resolution: '720p' }),
      })
    ).json()
    const other = await fetch(`${server.url}/api/v1/videos/generations/${job.id}`, { headers: { authorization: `Bearer ${b.key}` } })
    expect(other.status).toBe(404)
    expect((await other.json()).error.code).toBe('not_found')
  })
})

describe('video job polling and durations', () => {
  const statusPolls = (jobId: string) => runway.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/tasks/') && c.path.endsWith(jobId)).length

  it('asks the vendor at most once per interval, whatever clients do, across two servers', async () => {
    const second = await startNextServer(serverEnv())
    runway.runningPolls = 1_000 // the job keeps running: every poll that reaches Runway counts
    try {
      const u = await createGatewayUser(server.url)
      // Warm both servers' routes, so the burst below is a burst.
      for (const s of [server, second]) expect((await fetch(`${s.url}/api/v1/videos/generations/vid_warmup`, { headers: { authorization: `Bearer ${u.key}` } })).status).toBe(404)
      const { body: job } = await createVideo(u.key, { model: 'gen4_turbo', prompt: 'many pollers', image_url: 'https://example.test/a.png', seconds: 5 })
      const upstreamId = await withClient(db(), async (c) => (await c.query('select upstream_job_id from public.video_jobs where id = $1', [job.id])).rows[0].upstream_job_id)
      const started = Date.now()
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const response = await fetch(`${(i % 2 ? second : server).url}/api/v1/videos/generations/${job.id}`, { headers: { authorization: `Bearer ${u.key}` } })
          return { status: response.status, job: await response.json() }
        }),
      )
      const elapsed = Date.now() - started
      expect(answers.filter((a) => a.status !== 200 || a.job.id !== job.id)).toEqual([])
      // Each poll answers the latest state the vendor gave; the vendor is asked once per interval at most.
      expect(statusPolls(upstreamId)).toBeGreaterThanOrEqual(1)
      expect(statusPolls(upstreamId)).toBeLessThanOrEqual(Math.floor(elapsed / POLL_INTERVAL_MS) + 1)
    } finally {
      runway.runningPolls = undefined
      await second.stop()
    }
  })

  it('holds gen4_aleph at its longest output and settles it on the duration Runway billed', async () => {
    const u = await createGatewayUser(server.url)
    runway.inputVideoSeconds = 3
    let created
    try {
      created = await createVideo(u.key, { model: 'gen4_aleph', prompt: 'as claymation', videoUri: 'https://example.test/clip.mp4' })
    } finally {
      runway.inputVideoSeconds = undefined
    }
    expect(created.status).toBe(201)
    expect(created.body.seconds).toBe(5)
    const held = await withClient(db(), async (c) => (await c.query('select estimated_cost::text as cost from public.usage_holds where user_id = $1', [u.id])).rows)
    expect(held.map((h) => canonical(h.cost))).toEqual([calculateVideoCost({ provider: 'runway', model: 'gen4_aleph', seconds: 5 }).totalCost])
    const sent = runway.calls.filter((c) => c.method === 'POST' && c.path === '/v1/video_to_video').at(-1)!
    expect(sent.body).not.toHaveProperty('duration')

    const done = await pollVideo(u.key, created.body.id)
    expect(done).toMatchObject({ status: 'succeeded', seconds: 3 })
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ status: 'success', video_seconds: '3.000' })
    expect(canonical(row.total_cost)).toBe('0.45')
  })

  it.each([
    ['gen4_turbo', 0],
    ['gen4_turbo', -5],
    ['gen4_turbo', 'NaN'],
    ['gen4_turbo', 'Infinity'],
    ['gen4_turbo', '5'],
    ['gen4_turbo', 1e9],
    ['gen4_turbo', 7],
    ['gen4_turbo', 5.5],
    ['veo3', 5],
    ['ray-2', 10],
    ['gen4_aleph', 5],
  ])('refuses %s for %j seconds with a 400 naming seconds, before calling anyone', async (model, seconds) => {
    const u = await createGatewayUser(server.url)
    const before = runway.calls.length
    const { status, body } = await createVideo(u.key, { model, prompt: 'a wave', image_url: 'https://example.test/a.png', videoUri: 'https://example.test/clip.mp4', seconds })
    expect(status).toBe(400)
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'seconds', message: expect.stringMatching(/^seconds: /) })
    expect(runway.calls.length).toBe(before)
  })
})
