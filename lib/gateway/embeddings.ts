// POST /api/v1/embeddings: OpenAI's request and answer on any provider serving embeddings,
// metered per input token. OpenAI-compatible hosts get the caller's body (encoding_format
// passed through); Gemini models go to batchEmbedContents and their float vectors are encoded
// as the caller asked. Admission holds the counted input's price before anything goes upstream.
import 'server-only'
import { z } from 'zod'
import { env } from '@/lib/env'
import { AppError, errorBody, toAppError } from '@/lib/errors'
import { embeddingCost, countEmbeddingTokens, priceEmbedding } from '@/lib/gateway/embeddings-count'
import type { GatewayCall, Router } from '@/lib/gateway/pipeline'
import { textRoute, textRouteTo, type TextRoute } from '@/lib/gateway/routing'
import { resolveTextTarget } from '@/lib/gateway/text-route'
import { BODY_LIMITS } from '@/lib/http/body'
import { periodAt } from '@/lib/pricing/periods'
import type { PriceOverride } from '@/lib/pricing/types'
import {
  checkDimensions,
  embeddingItems,
  EmbeddingInputError,
  embeddingResponse,
  embeddingShape,
  openAIEmbeddingsRequest,
  parseOpenAIEmbeddings,
  type EmbeddingRequest,
  type EmbeddingResult,
} from '@/lib/providers/embeddings'
import { GEMINI_BATCH, geminiEmbeddingRequests, parseGeminiEmbeddings } from '@/lib/providers/embeddings-gemini'
import { simulatorPost } from '@/lib/providers/simulator'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { HttpCall } from '@/lib/providers/types'

export const EmbeddingsRequestSchema = z
  .object({
    model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
    // Checked by embeddingItems, whose messages name the offending item (input[3]).
    input: z.unknown(),
    dimensions: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' }).optional(),
    encoding_format: z.enum(['float', 'base64'], { error: 'must be float or base64' }).optional(),
    user: z.string().max(256, { error: 'must be at most 256 characters' }).optional(),
    campaign: z.string().optional(),
  })
  .passthrough()

/**
 * Whether a catalog model is an embedding model: priced per input token with no output rate
 * (how the catalog prices every embedding model), or one whose vectors the gateway knows
 * (mistral-embed, which genai-prices lists with an output rate it never bills).
 */
function isEmbeddingEntry(route: TextRoute): boolean {
  const entry = route.text.entry
  if (!entry) return true // a local server's or an operator's model: its upstream decides
  if (embeddingShape(entry.model.id)) return true
  const rates = periodAt(entry.model.periods, new Date())?.rates ?? {}
  return rates.input_mtok !== undefined && rates.output_mtok === undefined
}

/** Who serves an embedding model: chat's routing (provider/model or a catalog id), kept to models that embed. */
export const embeddingRouter: Router = (model, overrides) => {
  let route: TextRoute
  try {
    route = textRouteTo(resolveTextTarget(model, overrides))
  } catch (error) {
    if (error instanceof AppError && error.code === 'model_not_found')
      throw new AppError('model_not_found', `The model \`${model}\` does not exist or is not served for embeddings. GET /api/v1/models lists what is.`, { param: 'model' })
    throw error
  }
  if (route.provider.protocol === 'anthropic' || !isEmbeddingEntry(route))
    throw new AppError('invalid_request', `The model \`${model}\` is not an embedding model: POST /api/v1/embeddings takes models such as text-embedding-3-small or gemini-embedding-001`, { param: 'model' })
  return route
}

/** The request as forwarded: input normalised, Tollgate's own fields removed. */
function embeddingRequest(input: z.infer<typeof EmbeddingsRequestSchema>, route: TextRoute): EmbeddingRequest {
  const { model: _model, input: raw, dimensions, encoding_format: encodingFormat, user, campaign: _campaign, ...extra } = input
  void _model
  void _campaign
  let parsed
  try {
    parsed = embeddingItems(raw)
  } catch (error) {
    if (error instanceof EmbeddingInputError) throw new AppError('invalid_request', error.message, { param: error.param })
    throw error
  }
  return { model: route.upstreamModel, ...parsed, dimensions, encodingFormat, user, extra }
}

type Upstream = { calls: HttpCall[]; parse: (value: unknown, expected: number) => EmbeddingResult; sizes: number[] }

/** The HTTP calls for the route: one for OpenAI's protocol (or the simulator), batches for Gemini's. */
function upstreamCalls(req: EmbeddingRequest, route: TextRoute): Upstream {
  if (route.servedBy === 'simulator') {
    const body = { model: req.model, input: req.single ? req.items[0] : req.items, dimensions: req.dimensions, encoding_format: req.encodingFormat }
    return { calls: [simulatorPost('/embeddings', body)], parse: parseOpenAIEmbeddings, sizes: [req.items.length] }
  }
  if (route.protocol === 'gemini') {
    const calls = geminiEmbeddingRequests(req, route.config)
    return { calls, parse: parseGeminiEmbeddings, sizes: calls.map((_, i) => Math.min(GEMINI_BATCH, req.items.length - i * GEMINI_BATCH)) }
  }
  // Every host answers floats, not every host base64 (the openai SDK asks for it by default):
  // only OpenAI is asked for base64; other hosts' floats are encoded here as the caller asked.
  const asked = route.provider.id === 'openai' ? req : { ...req, encodingFormat: undefined }
  return { calls: [openAIEmbeddingsRequest(asked, route.config)], parse: parseOpenAIEmbeddings, sizes: [req.items.length] }
}

// Hosts other than OpenAI and Gemini count with their own tokenizers, which may count more than
// cl100k: their calls are held at twice the counted price, so the hold still covers the bill.
const holdFactor = (route: TextRoute) => (route.servedBy === 'simulator' || route.provider.id === 'openai' || route.protocol === 'gemini' ? 1 : 2)

/** POST /api/v1/embeddings */
export async function handleEmbeddings(call: GatewayCall): Promise<Response> {
  const { input, route: opened, overrides } = await call.open(EmbeddingsRequestSchema, 'text-embedding-3-small', embeddingRouter, BODY_LIMITS.embeddings)
  const route = textRoute(opened)
  const req = embeddingRequest(input, route)
  checkDimensions(route.upstreamModel, embeddingShape(route.text.entry?.model.id), req.dimensions)
  const upstream = upstreamCalls(req, route)
  const { total: counted, each } = await countEmbeddingTokens(req.items, req.single)
  // The counted tokens also go against the tokens-per-minute limit (corrected to the upstream's count at settlement).
  await call.admit(1, priceEmbedding(route, counted * holdFactor(route), overrides).totalCost, undefined, counted * holdFactor(route))

  const results = await Promise.allSettled(upstream.calls.map((http, i) => fetchBatch(call, route, http, upstream, upstream.sizes[i])))
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failure) {
    chargeFinishedBatches(call, route, each, results, upstream.sizes, overrides, failure.reason)
    throw failure.reason
  }
  const done = results.map((r) => (r as PromiseFulfilledResult<EmbeddingResult>).value)
  const vectors = done.flatMap((r) => r.vectors)
  const reported = done.every((r) => r.promptTokens !== null) ? done.reduce((sum, r) => sum + r.promptTokens!, 0) : null
  const tokens = reported ?? counted
  const answer = embeddingResponse(done[0]?.model ?? route.upstreamModel, vectors, tokens, req.encodingFormat)
  call.record({
    provider: route.servedBy,
    model: route.upstreamModel,
    ...embeddingCost(route, tokens, overrides, reported === null),
    // The vectors themselves are the caller's data and can be megabytes: the row keeps their shape.
    response_payload: { object: 'list', model: answer.model, usage: answer.usage, data: { count: vectors.length, dimensions: dimensionsOf(vectors[0]) } },
    metadata: { usage_source: reported === null ? 'counted' : 'upstream', inputs: req.items.length, encoding_format: req.encodingFormat ?? 'float', ...(req.dimensions ? { dimensions: req.dimensions } : {}) },
  })
  return Response.json(answer)
}

const dimensionsOf = (vector: number[] | string | undefined) => (vector === undefined ? 0 : typeof vector === 'string' ? Buffer.byteLength(vector, 'base64') / 4 : vector.length)

async function fetchBatch(call: GatewayCall, route: TextRoute, http: HttpCall, upstream: Upstream, size: number): Promise<EmbeddingResult> {
  const answer = await exchange(route.adapter, http, { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal })
  try {
    return upstream.parse(answer.json, size)
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected embeddings response: ${(error as Error).message}`)
  }
}

/**
 * Gemini batches that succeeded before another failed were billed by Google: the failed call's
 * row charges their (counted) input, as images do for the pictures made before a failure.
 */
function chargeFinishedBatches(
  call: GatewayCall,
  route: TextRoute,
  counts: number[],
  results: PromiseSettledResult<EmbeddingResult>[],
  sizes: number[],
  overrides: readonly PriceOverride[],
  reason: unknown,
): void {
  let offset = 0
  let tokens = 0
  let finished = 0
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      tokens += counts.slice(offset, offset + sizes[i]).reduce((a, b) => a + b, 0)
      finished += sizes[i]
    }
    offset += sizes[i]
  })
  if (finished === 0) return
  const error = toAppError(reason)
  call.record({ provider: route.servedBy, model: route.upstreamModel, error_code: error.code, ...embeddingCost(route, tokens, overrides, true), response_payload: call.sanitize(errorBody(error)), metadata: { usage_source: 'counted', inputs_embedded: finished } })
}
