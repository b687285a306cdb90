// POST /api/v1/moderations: OpenAI's moderation endpoint (PROVIDERS-TEXT.md §4.5), forwarded to
// OpenAI (the simulator answers without a key). Free at the vendor: each call is admitted (rate
// limit, budget) and leaves one row costing 0, `priced`, so the Usage tab counts it.
import 'server-only'
import { z } from 'zod'
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import type { GatewayCall, Router } from '@/lib/gateway/pipeline'
import { textRoute, textRouteTo } from '@/lib/gateway/routing'
import { providerNamed } from '@/lib/providers/text-providers'
import { simulatorPost } from '@/lib/providers/simulator'
import { exchange, UpstreamError } from '@/lib/providers/transport'

export const MODERATION_MODELS = ['omni-moderation-latest', 'omni-moderation-2024-09-26', 'text-moderation-latest', 'text-moderation-stable'] as const
const PRICING_URL = 'https://platform.openai.com/docs/models/omni-moderation-latest'

const TextPart = z.object({ type: z.literal('text'), text: z.string({ error: 'is required' }) }).strict()
const ImagePart = z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string({ error: 'is required' }).min(1, { error: 'is required' }) }).strict() }).strict()

export const ModerationRequestSchema = z
  .object({
    model: z.string().min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }).default('omni-moderation-latest'),
    input: z.union(
      [
        z.string(),
        z.array(z.string()).min(1, { error: 'must not be an empty array' }),
        z.array(z.discriminatedUnion('type', [TextPart, ImagePart], { error: 'each part must be {type: "text", text} or {type: "image_url", image_url: {url}}' })).min(1, { error: 'must not be an empty array' }),
      ],
      { error: 'must be a string, an array of strings, or an array of text and image_url parts' },
    ),
    campaign: z.string().optional(),
  })
  .strict()

/** Moderation models are OpenAI's: served by its provider (or the simulator standing in for it). */
export const moderationRouter: Router = (model) => {
  const openai = providerNamed('openai')!
  const id = model.toLowerCase()
  if (!(MODERATION_MODELS as readonly string[]).includes(id))
    throw new AppError('model_not_found', `The model \`${model}\` does not exist or is not a moderation model (${MODERATION_MODELS.join(', ')}).`, { param: 'model' })
  return textRouteTo({ provider: openai, upstreamModel: id, pricingProvider: 'openai', entry: null, local: false })
}

type ModerationAnswer = { id: string; model: string; results: { flagged: boolean }[] }

function asModeration(value: unknown, expected: number): ModerationAnswer {
  const j = value as ModerationAnswer
  if (!j || typeof j !== 'object' || !Array.isArray(j.results) || j.results.length !== expected) throw new Error('not a moderation response for this input')
  return j
}

/** POST /api/v1/moderations */
export async function handleModerations(call: GatewayCall): Promise<Response> {
  const { input, route: opened } = await call.open(ModerationRequestSchema, 'omni-moderation-latest', moderationRouter)
  const route = textRoute(opened)
  const { campaign: _campaign, ...body } = input
  void _campaign
  const parts = Array.isArray(body.input) && typeof body.input[0] === 'object'
  if (parts && !route.upstreamModel.startsWith('omni-') && (body.input as { type: string }[]).some((p) => p.type === 'image_url'))
    throw new AppError('invalid_request', `${route.upstreamModel} classifies text only: image inputs need an omni-moderation model`, { param: 'input' })
  // A list of strings is judged string by string; a list of parts is one input.
  const expected = Array.isArray(body.input) && !parts ? body.input.length : 1
  await call.admit(1, '0')

  const forwarded = { ...body, model: route.upstreamModel }
  const http =
    route.servedBy === 'simulator'
      ? simulatorPost('/moderations', forwarded)
      : { method: 'POST' as const, url: `${route.config.baseUrl}/moderations`, headers: { authorization: `Bearer ${route.config.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(forwarded) }
  const answer = await exchange(route.adapter, http, { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal })
  let moderation: ModerationAnswer
  try {
    moderation = asModeration(answer.json, expected)
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected moderation response: ${(error as Error).message}`)
  }
  const at = new Date()
  call.record({
    provider: route.servedBy,
    model: route.upstreamModel,
    input_tokens: 0,
    output_tokens: 0,
    input_cost: '0',
    output_cost: '0',
    generation_cost: '0',
    total_cost: '0',
    cost_status: 'priced',
    price_snapshot: { provider: 'openai', model: route.upstreamModel, pricedAs: 'openai/moderation (free)', rates: {}, effectiveFrom: null, sources: {}, sourceUrl: PRICING_URL, at: at.toISOString(), ...(route.servedBy === 'simulator' ? { simulated: true } : {}) },
    response_payload: call.sanitize(moderation),
    metadata: { inputs: expected, flagged: moderation.results.filter((r) => r?.flagged).length },
  })
  return Response.json(moderation)
}
