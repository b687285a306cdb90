// Images and video through the gateway, against fake OpenAI, BFL and Runway upstreams: the
// answers, the asynchronous jobs, and the single usage row each call or job leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { calculateImageCost, calculateVideoCost } from '@/lib/pricing/media'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { startFakeBfl, startFakeRunway, type FakeBfl, type FakeVendor } from '@/test/fakes/vendors'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let openai: FakeOpenAI
let bfl: FakeBfl
let runway: FakeVendor
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  ;[openai, bfl, runway] = await Promise.all([startFakeOpenAI(), startFakeBfl(), startFakeRunway()])
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'gateway-test-secret-at-least-32-characters',
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.url,
    BFL_API_KEY: bfl.apiKey,
    BFL_BASE_URL: bfl.url,
    RUNWAY_API_KEY: runway.apiKey,
    RUNWAY_BASE_URL: runway.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await Promise.all([openai?.close(), bfl?.close(), runway?.close()])
})

async function pollVideo(key: string, id: string, until: (status: string) => boolean = (s) => s === 'succeeded' || s === 'failed') {
  for (let i = 0; i < 40; i++) {
    const job = await (await fetch(`${server.url}/api/v1/videos/generations/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()
    if (until(job.status)) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`video ${id} never finished`)
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
