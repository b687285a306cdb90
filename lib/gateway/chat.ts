import 'server-only'
import { z } from 'zod'
import { env } from '@/lib/env'
import { holdSeconds } from '@/lib/gateway/admission'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { streamChat } from '@/lib/gateway/chat-stream'
import { countedUsage, priceTokens, usageSource, type Generated } from '@/lib/gateway/chat-usage'
import { attemptOf, candidateRoutes, MAX_CANDIDATES, worthAnotherTry, type Attempt } from '@/lib/gateway/fallback'
import { textRoute, type TextRoute } from '@/lib/gateway/routing'
import { admitChat } from '@/lib/gateway/output-cap'
import type { PriceOverride } from '@/lib/pricing/types'
import { chatAdapter } from '@/lib/providers/registry'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { ChatCompletion, ChatRequestBody, TextUsage } from '@/lib/providers/types'

const UNPRICED_OPTIONS = ['service_tier', 'modalities', 'audio', 'prediction', 'web_search_options'] as const

const MessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function'], { error: 'must be one of system, developer, user, assistant, tool, function' }),
    content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
  })
  .passthrough()

export const ChatRequestSchema = z
  .object({
    model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
    messages: z.array(MessageSchema, { error: 'must be an array of messages' }).min(1, { error: 'must contain at least one message' }),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    n: z.number().int().min(1).max(16).nullable().optional(),
    campaign: z.string().optional(),
    /** Fallbacks for this call (OpenRouter's convention): tried in order after `model`. */
    models: z.array(z.string().min(1).max(256), { error: 'must be an array of model names' }).min(1).max(MAX_CANDIDATES).optional(),
  })
  .passthrough()
  .superRefine((body, ctx) => {
    // Options that change what the vendor bills beyond text tokens: Tollgate could not price
    // them honestly, so it refuses them rather than undercharge.
    for (const field of UNPRICED_OPTIONS)
      if (field in body && (body as Record<string, unknown>)[field] !== null && (body as Record<string, unknown>)[field] !== 'auto' && (body as Record<string, unknown>)[field] !== 'default')
        ctx.addIssue({ code: 'custom', path: [field], message: 'is not supported by this gateway (it changes billing in ways Tollgate cannot price)' })
  })

/** Opens and admits a chat call; `campaign` and `models` are Tollgate's and never go upstream. */
async function prepareChat(call: GatewayCall) {
  const { input: body, route: opened, overrides } = await call.open(ChatRequestSchema, 'unknown')
  const { campaign: _campaign, models: requested, ...upstream } = body
  void _campaign
  const routes = candidateRoutes(textRoute(opened), requested, overrides)
  refuseUntranslatable(routes, upstream as ChatRequestBody)
  return { body: await admitChat(call, upstream as ChatRequestBody, routes, overrides), routes, overrides }
}

/**
 * A request another protocol cannot carry is refused before admission holds anything: each
 * candidate's translation is tried once (the OpenAI protocol passes bodies through and never
 * refuses). Tried for the provider's own protocol even while the simulator stands in for it, so
 * setting a key never changes which requests are accepted.
 */
export function refuseUntranslatable(routes: readonly TextRoute[], body: ChatRequestBody): void {
  for (const route of routes) {
    const protocol = route.provider.protocol
    if (protocol !== 'openai') chatAdapter(protocol, route.provider.id).chat!.buildRequest({ ...body, model: route.upstreamModel }, route.config)
  }
}

/**
 * A non-streamed completion: forwarded, metered, answered as the upstream answered. With
 * several routes (fallbacks), each is tried in turn while the one before was limited, failing
 * or silent; the row records the attempts and what was served.
 */
export async function completeChat(
  call: GatewayCall,
  body: ChatRequestBody,
  routes: TextRoute | readonly TextRoute[],
  overrides: readonly PriceOverride[],
): Promise<{ completion: ChatCompletion; cost: ReturnType<typeof priceTokens> }> {
  const list: readonly TextRoute[] = Array.isArray(routes) ? routes : [routes as TextRoute]
  const attempts: Attempt[] = []
  for (const [index, route] of list.entries()) {
    try {
      return await completeOn(call, body, route, overrides, attempts)
    } catch (error) {
      if (index < list.length - 1 && worthAnotherTry(error) && !call.request.signal.aborted && timeForAnother(call)) {
        attempts.push(attemptOf(route, error))
        continue
      }
      call.noteAttempts(attempts)
      throw error
    }
  }
  throw new Error('no route to try')
}

/**
 * Whether one more attempt, silent for the whole upstream timeout, still ends before the call's
 * admission hold expires (with the 30 s margin streams keep): past it, the call would stop
 * counting against the caller's limits while still running.
 */
function timeForAnother(call: GatewayCall): boolean {
  return call.elapsedMs() + env.UPSTREAM_TIMEOUT_MS <= holdSeconds(call.service) * 1000 - 30_000
}

/** Everything the choices generated, for counting when the upstream reports no usage: content, reasoning, tool calls. */
function generatedBy(choices: ChatCompletion['choices']): Generated {
  let text = ''
  const toolCalls: Generated['toolCalls'][number][] = []
  for (const choice of choices) {
    const { content, reasoning_content: reasoning, tool_calls: calls } = choice.message as { content: string | null; reasoning_content?: unknown; tool_calls?: unknown }
    text += (typeof content === 'string' ? content : '') + (typeof reasoning === 'string' ? reasoning : '')
    for (const c of Array.isArray(calls) ? calls : []) {
      const fn = (c as { function?: { name?: unknown; arguments?: unknown } } | null)?.function
      if (fn) toolCalls.push({ name: fn.name, arguments: fn.arguments })
    }
  }
  return { text, toolCalls }
}

async function completeOn(call: GatewayCall, body: ChatRequestBody, route: TextRoute, overrides: readonly PriceOverride[], attempts: Attempt[]) {
  const chat = route.adapter.chat!
  const answer = await exchange(route.adapter, chat.buildRequest({ ...body, model: route.upstreamModel, stream: false }, route.config), {
    timeoutMs: env.UPSTREAM_TIMEOUT_MS,
    signal: call.request.signal,
  })
  let parsed: { completion: ChatCompletion; usage: TextUsage | null }
  try {
    parsed = chat.parseResponse(answer.json, route.config)
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected chat response: ${(error as Error).message}`)
  }
  call.servedBy(route, attempts)
  const { completion } = parsed
  const source = parsed.usage ? 'upstream' : 'counted'
  const usage = parsed.usage ?? countedUsage(body, route.upstreamModel, generatedBy(completion.choices))
  const cost = priceTokens(route, usage, overrides, completion.model, source)
  call.record({
    provider: route.servedBy,
    model: route.upstreamModel,
    ...cost,
    response_payload: call.sanitize(completion),
    metadata: { ...usageSource(source), ...(attempts.length ? { attempts } : {}) },
  })
  return { completion, cost }
}

/** POST /api/v1/chat/completions */
export async function handleChatCompletions(call: GatewayCall): Promise<Response> {
  const { body, routes, overrides } = await prepareChat(call)
  if (!body.stream) return Response.json((await completeChat(call, body, routes, overrides)).completion)
  return streamChat(call, body, routes, overrides)
}

