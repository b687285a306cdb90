import 'server-only'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import type { Identity } from '@/lib/gateway/identity'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { mediaRoute, servedBy } from '@/lib/gateway/routing'
import { storable } from '@/lib/gateway/sanitize'
import { chooseSeconds, settledSeconds } from '@/lib/gateway/video-seconds'
import { trackClaimedUsage } from '@/lib/metering/record'
import { buildUsageRow, costColumns, ZERO_COST } from '@/lib/metering/row'
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

/** What an ended job was charged: its usage row, written in the transaction that ended it. */
async function chargedFor(job: VideoJob): Promise<{ total_cost: string | null; cost_status: string } | null> {
  if (!job.finishedAt) return null
  // The row's created_at is the job's end, after its start: the bound keeps the lookup to the
  // months since (api_usage is partitioned by month; request ids are unique per created_at).
  const row = await db().apiUsage.findFirst({ where: { requestId: job.requestId, createdAt: { gte: job.createdAt } }, select: { totalCost: true, costStatus: true } })
  return row ? { total_cost: row.totalCost === null ? null : row.totalCost.toFixed(), cost_status: row.costStatus } : null
}

/** A job as the API shows it; an ended one says what it was charged (the cost travels with the answer). */
async function presentEnded(job: VideoJob): Promise<Response> {
  const charged = await chargedFor(job)
  const headers: Record<string, string> = charged ? { 'x-tollgate-cost-status': charged.cost_status, ...(charged.total_cost === null ? {} : { 'x-tollgate-cost': charged.total_cost }) } : {}
  return Response.json({ ...present(job), charged }, { headers })
}

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
  const { input, route: opened, overrides } = await call.open(VideoRequestSchema, 'unknown')
  const route = mediaRoute(opened)
  const { model, prompt, seconds: requested, resolution, aspect_ratio, image_url, campaign: _campaign, ...extra } = input
  void _campaign
  const seconds = chooseSeconds(route.media, model, requested)
  const quote = calculateVideoCost({ provider: route.pricingProvider, model, entry: route.media, seconds, resolution, overrides })
  if (quote.costStatus === 'unpriced') throw new AppError('invalid_request', `${model} does not support this request: ${quote.note}`, { param: resolution ? 'resolution' : 'seconds' })

  await call.admit(1, quote.totalCost)
  // The job is charged when it ends, on the seconds it made: its answer says what is held.
  call.sayCost(quote.totalCost, 'estimated')

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
  if (job.finishedAt) return presentEnded(job)
  // One vendor call per job per interval, whatever the clients do and however many instances
  // serve them: a poll claims the call with this conditional UPDATE (concurrent claims queue on
  // the row lock, and all but the first then find it fresh); the others answer the last known state.
  const claimed = await db().$executeRaw`
    update public.video_jobs set last_polled_at = now()
     where id = ${id} and finished_at is null
       and (last_polled_at is null or last_polled_at <= now() - ${env.VIDEO_POLL_INTERVAL_MS}::int * interval '1 millisecond')`
  if (claimed === 0) {
    const latest = await db().videoJob.findUniqueOrThrow({ where: { id } })
    return latest.finishedAt ? presentEnded(latest) : Response.json(present(latest))
  }

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
  return presentEnded(await finishJob(job, status))
}

/**
 * Marks a job finished and writes its single usage row in ONE transaction, through the usage
 * writer (trackClaimedUsage): concurrent polls race on `finished_at is null` and one wins; a
 * crash or an outage cannot finish a job without its row (the job then stays unfinished, and a
 * later poll finishes it). Success is charged by output seconds (as reported, at most those
 * held), failure nothing; the row is dated when the job ended, so it is booked in the period it
 * ended in.
 */
async function finishJob(job: VideoJob, status: VideoStatus): Promise<VideoJob> {
  const succeeded = status.state === 'succeeded'
  const seconds = succeeded ? settledSeconds(Number(job.seconds), status.seconds) : 0
  const overrides = await listPriceOverrides()
  const cost = succeeded
    ? calculateVideoCost({ provider: job.pricingProvider, model: job.model, seconds: String(Math.round(seconds * 1000) / 1000), resolution: job.resolution ?? undefined, at: job.createdAt, overrides })
    : null
  const finishedAt = new Date()
  // A vendor's text, stored twice: PostgreSQL refuses a NUL or a lone surrogate in either place.
  const failure = succeeded ? null : storable(status.failure ?? 'generation failed')
  const outputUrl = status.outputUrl ? storable(status.outputUrl) : null
  const row = buildUsageRow(
    {
      userId: job.userId,
      service: 'video',
      endpoint: ENDPOINT,
      requestId: job.requestId,
      campaignId: job.campaignId,
      ip: job.ipAddress,
      userAgent: job.userAgent,
      requestPayload: job.requestPayload,
      // A job's key is kept; a job started without one was started with a session.
      auth: job.apiKeyId ? 'api_key' : 'session',
      apiKeyId: job.apiKeyId,
      at: finishedAt,
      latencyMs: finishedAt.getTime() - job.createdAt.getTime(),
    },
    {
      provider: job.provider,
      model: job.model,
      error_code: succeeded ? null : 'generation_failed',
      video_seconds: seconds,
      ...(cost ? costColumns(cost, job.provider === 'simulator') : ZERO_COST),
      response_payload: { id: job.id, status: status.state, output: outputUrl?.startsWith('data:') ? '[binary omitted]' : outputUrl, failure },
      metadata: { video_job_id: job.id, resolution: job.resolution, started_at: job.createdAt.toISOString() },
    },
  )
  await trackClaimedUsage(row, async (client) => {
    const { rowCount } = await client.query(
      // The job now shows the length it was charged for (a held maximum becomes the real one).
      `update public.video_jobs
          set status = $2, progress = $3, seconds = case when $4::numeric > 0 then $4::numeric else seconds end,
              output_url = $5, failure = $6, finished_at = $7
        where id = $1 and finished_at is null`,
      [job.id, status.state, succeeded ? 1 : (job.progress?.toString() ?? null), seconds, outputUrl, failure, finishedAt],
    )
    return rowCount === 1
  })
  return db().videoJob.findUniqueOrThrow({ where: { id: job.id } })
}
