import 'server-only'
import { z } from 'zod'
import { env } from '@/lib/env'
import { errorBody, AppError, toAppError } from '@/lib/errors'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { mediaRoute, type MediaRoute } from '@/lib/gateway/routing'
import { costColumns } from '@/lib/metering/row'
import { calculateImageCost } from '@/lib/pricing/media'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { ImageRequest, ImageResult, ImageStep } from '@/lib/providers/types'

export const ImageRequestSchema = z
  .object({
    // OpenAI's default when no model is named.
    model: z.string().min(1).max(256, { error: 'must be at most 256 characters' }).default('dall-e-2'),
    prompt: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(32_000, { error: 'must be at most 32,000 characters' }),
    n: z.number().int().min(1, { error: 'must be between 1 and 10' }).max(10, { error: 'must be between 1 and 10' }).default(1),
    size: z.string().max(20).optional(),
    quality: z.string().max(20).optional(),
    response_format: z.enum(['url', 'b64_json'], { error: 'must be url or b64_json' }).default('url'),
    campaign: z.string().optional(),
  })
  .passthrough()

const POLL_INTERVAL_MS = 500

/** Runs one vendor request to completion, polling asynchronous vendors until done. */
async function generateOnce(call: GatewayCall, route: MediaRoute, req: ImageRequest): Promise<ImageResult> {
  const image = route.adapter.image!
  const options = { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal }
  const parse = (fn: () => ImageStep): ImageStep => {
    try {
      return fn()
    } catch (error) {
      throw new UpstreamError('malformed', `unexpected image response: ${(error as Error).message}`)
    }
  }
  const started = Date.now()
  let request
  try {
    request = image.buildRequest(req, route.config)
  } catch (error) {
    // The adapter cannot express this request for its vendor: the caller's input is at fault.
    throw new AppError('invalid_request', (error as Error).message)
  }
  const created = await exchange(route.adapter, request, options)
  let step = parse(() => image.parseResponse(created, req, route.config))
  while (!step.done) {
    if (Date.now() - started > env.UPSTREAM_TIMEOUT_MS) throw new UpstreamError('timeout', `${route.adapter.id} did not finish the image in time`)
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS))
    if (call.request.signal.aborted) throw new UpstreamError('aborted', 'the client closed the connection')
    const polled = await exchange(route.adapter, step.poll, options)
    const poll = step.poll
    step = parse(() => image.parsePoll!(polled, req, route.config, poll))
  }
  return step.result
}

/** POST /api/v1/images/generations */
export async function handleImageGeneration(call: GatewayCall): Promise<Response> {
  const { input, route: opened, overrides } = await call.open(ImageRequestSchema, 'dall-e-2')
  const route = mediaRoute(opened)
  const { model, prompt, n, size, quality, response_format, campaign: _campaign, ...extra } = input
  void _campaign
  // Every price below reads the catalog entry routing found.
  const priceAs = { provider: route.pricingProvider, model, entry: route.media, overrides }

  // A size or quality the model has no price for is one it does not offer: refuse it here,
  // before anything is sent or spent.
  const quote = calculateImageCost({ ...priceAs, size, quality, count: n })
  if (quote.costStatus === 'unpriced') throw new AppError('invalid_request', `${model} does not support this request: ${quote.note}`, { param: size ? 'size' : 'quality' })

  await call.admit(n, quote.totalCost)

  const perRequest = route.adapter.image!.imagesPerRequest ?? n
  const batches = Array.from({ length: Math.ceil(n / perRequest) }, (_, i) => Math.min(perRequest, n - i * perRequest))
  // All batches are let finish: when one fails, the images the others made were billed
  // upstream, so they are charged on the failed call's row rather than lost.
  const settled = await Promise.allSettled(
    batches.map((count) => generateOnce(call, route, { model, prompt, n: count, size, quality, responseFormat: response_format, extra })),
  )
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const results = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  if (failure) {
    const made = results.reduce((n, r) => n + r.images.length, 0)
    if (made > 0) {
      const partial = calculateImageCost({ ...priceAs, size, quality, count: made })
      const error = toAppError(failure.reason)
      call.record({ provider: route.servedBy, model, error_code: error.code, images_generated: made, ...costColumns(partial, route.servedBy === 'simulator'), response_payload: call.sanitize(errorBody(error)) })
    }
    throw failure.reason
  }
  const images = results.flatMap((r) => r.images)
  const filtered = results.some((r) => r.contentFiltered)
  if (images.length === 0) {
    throw new AppError('upstream_rejected', 'The provider blocked this prompt or its output with its content filter', { extra: { content_filtered: true } })
  }
  const first = results[0]
  const tokenUsage = results.every((r) => r.tokenUsage)
    ? results.reduce(
        (sum, r) => ({
          inputTextTokens: sum.inputTextTokens + r.tokenUsage!.inputTextTokens,
          inputImageTokens: sum.inputImageTokens + r.tokenUsage!.inputImageTokens,
          outputImageTokens: sum.outputImageTokens + r.tokenUsage!.outputImageTokens,
        }),
        { inputTextTokens: 0, inputImageTokens: 0, outputImageTokens: 0 },
      )
    : undefined
  const cost = calculateImageCost({ ...priceAs, size: first.size ?? size, quality: first.quality ?? quality, count: images.length, usage: tokenUsage })
  const answer = {
    created: Math.floor(Date.now() / 1000),
    data: images,
    ...(first.size ? { size: first.size } : {}),
    ...(first.quality ? { quality: first.quality } : {}),
    ...(tokenUsage ? { usage: { input_tokens: tokenUsage.inputTextTokens + tokenUsage.inputImageTokens, output_tokens: tokenUsage.outputImageTokens } } : {}),
  }
  call.record({
    provider: route.servedBy,
    model,
    images_generated: images.length,
    input_tokens: tokenUsage ? tokenUsage.inputTextTokens + tokenUsage.inputImageTokens : 0,
    output_tokens: tokenUsage?.outputImageTokens ?? 0,
    ...costColumns(cost, route.servedBy === 'simulator'),
    response_payload: call.sanitize(answer),
    metadata: { size: first.size ?? size ?? null, quality: first.quality ?? quality ?? null, images_requested: n, ...(filtered ? { content_filtered: true } : {}) },
  })
  return Response.json(answer)
}
