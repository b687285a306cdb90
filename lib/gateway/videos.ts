import 'server-only'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { costColumns, ZERO_COST } from '@/lib/gateway/cost'
import { AppError } from '@/lib/errors'
import type { Identity } from '@/lib/gateway/identity'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { servedBy } from '@/lib/gateway/routing'
import { chooseSeconds, settledSeconds } from '@/lib/gateway/video-seconds'
import { calculateVideoCost } from '@/lib/pricing/media'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { VideoStatus } from '@/lib/providers/types'
import type { VideoJob } from '@/lib/generated/prisma/client'

export const VideoRequestSchema = z
  .object({
    model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
    prompt: z.string().max(5_000, { error: 'must be at most 5,000 characters' }).default(''),
    // Absent: the model's default (or, where the input decides, its longest); see chooseSeconds.
    seconds: z.number({ error: 'must be a number of seconds' }).positive({ error: 'must be positive' }).max(60, { error: 'must be at most 60' }).optional(),
    resolution: z.string().max(20).optional(),
    aspect_ratio: z.string().max(20).optional(),
    image_url: z.url({ error: 'must be a URL' }).optional(),
    campaign: z.string().optional(),
  })
  .passthrough()
  .refine((v) => v.prompt.trim() || v.image_url, { message: 'prompt or image_url is required', path: ['prompt'] })

const ENDPOINT = '/api/v1/videos/generations'

/** A job as the API shows it. */
function present(job: VideoJob) {
  return {
    id: job.id,
    object: 'video.generation',
    model: job.model,
    status: job.status,
    progress: job.progress === null ? null : Number(job.progress),
    seconds: Number(job.seconds),
    resolution: job.resolution,
    created_at: Math.floor(job.createdAt.getTime() / 1000),
    finished_at: job.finishedAt ? Math.floor(job.finishedAt.getTime() / 1000) : null,
    output: job.outputUrl ? { url: job.outputUrl } : null,
    error: job.failure ? { message: job.failure } : null,
  }
}

/** POST /api/v1/videos/generations — starts a job; its usage row is written when it ends. */
export async function handleVideoCreate(call: GatewayCall): Promise<Response> {
  const { input, route, overrides } = await call.open(VideoRequestSchema, 'unknown')
  const { model, prompt, seconds: requested, resolution, aspect_ratio, image_url, campaign: _campaign, ...extra } = input
  void _campaign
  const seconds = chooseSeconds(route.pricingProvider, model, requested)
  const quote = calculateVideoCost({ provider: route.pricingProvider, model, seconds, resolution, overrides })
  if (quote.costStatus === 'unpriced') throw new AppError('invalid_request', `${model} does not support this request: ${quote.note}`, { param: resolution ? 'resolution' : 'seconds' })

  await call.admit(1, quote.totalCost)

  const video = route.adapter.video!
  let request
  try {
    request = video.buildCreate({ model, prompt, seconds, resolution, aspectRatio: aspect_ratio, imageUrl: image_url, extra }, route.config)
  } catch (error) {
    throw new AppError('invalid_request', (error as Error).message)
  }
  const created = await exchange(route.adapter, request, {
    timeoutMs: env.UPSTREAM_TIMEOUT_MS,
    signal: call.request.signal,
  })
  let jobId: string
  try {
    jobId = video.parseCreate(created).jobId
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected video response: ${(error as Error).message}`)
  }
  const job = await db().videoJob.create({
    data: {
      id: `vid_${randomBytes(12).toString('hex')}`,
      userId: call.identity.userId,
      apiKeyId: call.identity.apiKeyId,
      provider: route.servedBy,
      pricingProvider: route.pricingProvider,
      model,
      upstreamJobId: jobId,
      seconds,
      resolution: resolution ?? null,
      requestId: call.requestId,
      campaignId: call.campaignId,
      ipAddress: call.ip,
      userAgent: call.userAgent,
      requestPayload: call.requestPayload as object,
    },
  })
  return Response.json(present(job), { status: 201 })
}

/** GET /api/v1/videos/generations/{id} — the job's state, asking the vendor while it runs. */
// Job ids are vid_ and hex (handleVideoCreate) or another plain token; anything else is no job of
// ours. Checked before the query because PostgreSQL refuses some strings outright (NUL: a 500).
const JOB_ID = /^vid_[A-Za-z0-9_-]{1,100}$/

export async function handleVideoStatus(request: Request, identity: Identity, { id }: { id: string }): Promise<Response> {
  const job = JOB_ID.test(id) ? await db().videoJob.findFirst({ where: { id, userId: identity.userId } }) : null
  if (!job) throw new AppError('not_found', `No video job ${id}`, { param: 'id' })
  if (job.finishedAt) return Response.json(present(job))
  // One vendor call per job per interval, whatever the clients do and however many instances
  // serve them: a poll claims the call with this conditional UPDATE (concurrent claims queue on
  // the row lock, and all but the first then find it fresh); the others answer the last known state.
  const claimed = await db().$executeRaw`
    update public.video_jobs set last_polled_at = now()
     where id = ${id} and finished_at is null
       and (last_polled_at is null or last_polled_at <= now() - ${env.VIDEO_POLL_INTERVAL_MS}::int * interval '1 millisecond')`
  if (claimed === 0) return Response.json(present(await db().videoJob.findUniqueOrThrow({ where: { id } })))

  const route = servedBy(job.provider === 'simulator' ? 'simulator' : job.provider)
  const video = route.adapter.video!
  const polled = await exchange(route.adapter, video.buildPoll(job.upstreamJobId, route.config), { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: request.signal })
  let status: VideoStatus
  try {
    status = video.parsePoll(polled, job.model)
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected video status: ${(error as Error).message}`)
  }
  if (status.state === 'queued' || status.state === 'running') {
    const updated = await db().videoJob.update({ where: { id }, data: { status: status.state, progress: status.progress ?? null } })
    return Response.json(present(updated))
  }
  return Response.json(present(await finishJob(job, status)))
}

/**
 * Marks a job finished and writes its single usage row in ONE transaction: concurrent polls
 * race on `finished_at is null` and one wins; a crash cannot finish a job without its row.
 * Success is charged by output seconds (as reported, at most those held), failure nothing; the
 * row is dated when the job ended, so it is booked in the period it ended in.
 */
async function finishJob(job: VideoJob, status: VideoStatus): Promise<VideoJob> {
  const succeeded = status.state === 'succeeded'
  const seconds = succeeded ? settledSeconds(Number(job.seconds), status.seconds) : 0
  const overrides = await listPriceOverrides()
  const cost = succeeded
    ? calculateVideoCost({ provider: job.pricingProvider, model: job.model, seconds: String(Math.round(seconds * 1000) / 1000), resolution: job.resolution ?? undefined, at: job.createdAt, overrides })
    : null
  const finishedAt = new Date()
  const row = {
    user_id: job.userId,
    service_type: 'video' as const,
    provider: job.provider,
    model: job.model,
    endpoint: ENDPOINT,
    request_id: job.requestId,
    campaign_id: job.campaignId,
    video_seconds: seconds,
    ...(cost ? costColumns(cost, job.provider === 'simulator') : ZERO_COST),
    status: succeeded ? ('success' as const) : ('error' as const),
    error_code: succeeded ? null : 'generation_failed',
    latency_ms: Math.min(2_147_483_647, finishedAt.getTime() - job.createdAt.getTime()),
    ip_address: job.ipAddress,
    user_agent: job.userAgent,
    request_payload: job.requestPayload,
    response_payload: { id: job.id, status: status.state, output: status.outputUrl?.startsWith('data:') ? '[binary omitted]' : (status.outputUrl ?? null), failure: status.failure ?? null },
    metadata: { video_job_id: job.id, resolution: job.resolution, started_at: job.createdAt.toISOString(), ...(job.apiKeyId ? { api_key_id: job.apiKeyId } : {}) },
    created_at: finishedAt.toISOString(),
  }
  await db().$transaction(async (tx) => {
    const won = await tx.videoJob.updateMany({
      where: { id: job.id, finishedAt: null },
      data: {
        status: status.state,
        progress: succeeded ? 1 : job.progress,
        // The job now shows the length it was charged for (a held maximum becomes the real one).
        ...(seconds > 0 ? { seconds } : {}),
        outputUrl: status.outputUrl ?? null,
        failure: succeeded ? null : (status.failure ?? 'generation failed'),
        finishedAt,
      },
    })
    if (won.count === 1) await tx.$queryRaw`select public.record_usage(${JSON.stringify(row)}::jsonb)`
  })
  return db().videoJob.findUniqueOrThrow({ where: { id: job.id } })
}
