// A video job's usage row goes through the same builder and writer as every other call: the
// same clamping, the same row shape, and finishing the job and writing its row stay one
// transaction (an outage at the finish leaves the job running and unrecorded, never finished
// without its row).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeRunway, type FakeRunway } from '@/test/fakes/vendors'
import { withClient } from '@/test/databases'
import { createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let runway: FakeRunway
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  runway = await startFakeRunway()
  server = await startNextServer({
    VIDEO_POLL_INTERVAL_MS: '500',
    DATABASE_URL: db(),
    AUTH_SECRET: 'video-metering-secret-at-least-32-characters',
    RUNWAY_API_KEY: runway.apiKey,
    RUNWAY_BASE_URL: runway.url,
  })
})

afterAll(async () => {
  await server?.stop()
  await runway?.close()
})

const poll = async (key: string, id: string) => {
  const response = await fetch(`${server.url}/api/v1/videos/generations/${id}`, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: await response.json() }
}

async function pollUntilEnded(key: string, id: string) {
  const deadline = Date.now() + 30_000
  const seen: number[] = []
  while (Date.now() < deadline) {
    const { status, body } = await poll(key, id)
    seen.push(status)
    if (status === 200 && (body.status === 'succeeded' || body.status === 'failed')) return body
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`video ${id} never finished; poll answers: ${[...new Set(seen)].join(', ')}`)
}

async function createVideo(key: string) {
  const response = await fetch(`${server.url}/api/v1/videos/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gen4_turbo', prompt: 'tide coming in', image_url: 'https://example.test/shore.png', seconds: 5 }),
  })
  expect(response.status).toBe(201)
  return response.json()
}

describe('a video job\'s usage row', () => {
  it('is clamped like any row: a database clock ahead of the app still finishes the job with latency 0', async () => {
    const u = await createGatewayUser(server.url)
    const job = await createVideo(u.key)
    // The job's created_at comes from the database's clock, its end from the app's: a database
    // an hour ahead made the latency negative, the row broke its check, and every poll failed.
    await withClient(db(), (c) => c.query(`update public.video_jobs set created_at = now() + interval '1 hour' where id = $1`, [job.id]))
    const done = await pollUntilEnded(u.key, job.id)
    expect(done.status).toBe('succeeded')
    const rows = await usageRows(db(), u.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ service_type: 'video', status: 'success', error_code: null, latency_ms: 0, video_seconds: '5.000' })
    // The same shape as every other row: how the call was authenticated, by which key.
    expect(rows[0].metadata).toMatchObject({ auth: 'api_key', api_key_id: expect.any(String), video_job_id: job.id })
  })

  it('is written with the job\'s end or not at all: an outage at the finish leaves the job running, and a later poll finishes it once', async () => {
    const u = await createGatewayUser(server.url)
    const job = await createVideo(u.key)
    // record_usage answers as a database that is starting up (57P03) while the job ends.
    await withClient(db(), (c) =>
      c.query(`alter function public.record_usage(jsonb) rename to record_usage_real;
               create function public.record_usage(p jsonb) returns boolean language plpgsql as $$
               begin raise exception 'the database system is starting up' using errcode = '57P03'; end $$;`),
    )
    let during: { status: number; body: { error?: { code: string } } }
    try {
      // Polls until one asks the vendor after the job has ended and fails to record it.
      const deadline = Date.now() + 30_000
      for (;;) {
        during = await poll(u.key, job.id)
        if (during.status !== 200 || Date.now() > deadline) break
        await new Promise((r) => setTimeout(r, 100))
      }
      const state = await withClient(db(), async (c) => (await c.query('select finished_at from public.video_jobs where id = $1', [job.id])).rows[0])
      expect(state.finished_at).toBeNull()
    } finally {
      await withClient(db(), (c) => c.query('drop function public.record_usage(jsonb); alter function public.record_usage_real(jsonb) rename to record_usage'))
    }
    expect(during!).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } })
    expect(await usageRows(db(), u.id, 1, 300)).toEqual([])

    const done = await pollUntilEnded(u.key, job.id)
    expect(done.status).toBe('succeeded')
    await Promise.all([1, 2, 3].map(() => poll(u.key, job.id)))
    const rows = await usageRows(db(), u.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'success', video_seconds: '5.000' })
  })
})
