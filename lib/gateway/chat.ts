import 'server-only'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { z } from 'zod'
import { env } from '@/lib/env'
import { holdSeconds } from '@/lib/gateway/admission'
import { AppError, errorBody, logFailure, toAppError } from '@/lib/errors'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { textRoute, type TextRoute } from '@/lib/gateway/routing'
import { sseComment, sseEvents, sseFrame } from '@/lib/gateway/sse'
import { costColumns } from '@/lib/metering/row'
import { admitChat } from '@/lib/gateway/output-cap'
import { countPromptTokens } from '@/lib/pricing/estimate'
import { fromTextUsage, priceTextUsage } from '@/lib/pricing/text'
import type { PriceOverride } from '@/lib/pricing/types'
import { deadline, exchange, failureFromAbort, send, UpstreamError } from '@/lib/providers/transport'
import type { ChatChunk, ChatCompletion, ChatRequestBody, StreamEvent, TextUsage } from '@/lib/providers/types'

/** A streamed call's cost, said at its end. */
type StreamCost = { cost: string | null; cost_status: string }

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
  })
  .passthrough()
  .superRefine((body, ctx) => {
    // Options that change what the vendor bills beyond text tokens: Tollgate could not price
    // them honestly, so it refuses them rather than undercharge.
    for (const field of UNPRICED_OPTIONS)
      if (field in body && (body as Record<string, unknown>)[field] !== null && (body as Record<string, unknown>)[field] !== 'auto' && (body as Record<string, unknown>)[field] !== 'default')
        ctx.addIssue({ code: 'custom', path: [field], message: 'is not supported by this gateway (it changes billing in ways Tollgate cannot price)' })
  })

/** Prices token usage as the model's own vendor would, whoever served it, from the entry routing found. */
export function priceTokens(route: TextRoute, usage: TextUsage, overrides: readonly PriceOverride[]) {
  const cost = priceTextUsage(route.text, fromTextUsage(usage), { overrides })
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    ...costColumns(cost, route.servedBy === 'simulator'),
  }
}

/** Opens and admits a chat call; the campaign field is Tollgate's and never goes upstream. */
async function prepareChat(call: GatewayCall) {
  const { input: body, route: opened, overrides } = await call.open(ChatRequestSchema, 'unknown')
  const route = textRoute(opened)
  const { campaign: _campaign, ...upstream } = body
  void _campaign
  return { body: await admitChat(call, upstream as ChatRequestBody, route, overrides), route, overrides }
}

/** A non-streamed completion: forwarded, metered, answered as the upstream answered. */
export async function completeChat(
  call: GatewayCall,
  body: ChatRequestBody,
  route: TextRoute,
  overrides: readonly PriceOverride[],
): Promise<{ completion: ChatCompletion; cost: ReturnType<typeof priceTokens> }> {
  const chat = route.adapter.chat!
  const answer = await exchange(route.adapter, chat.buildRequest({ ...body, stream: false }, route.config), {
    timeoutMs: env.UPSTREAM_TIMEOUT_MS,
    signal: call.request.signal,
  })
  let parsed: { completion: ChatCompletion; usage: TextUsage | null }
  try {
    parsed = chat.parseResponse(answer.json, route.config)
  } catch (error) {
    throw new UpstreamError('malformed', `unexpected chat response: ${(error as Error).message}`)
  }
  const { completion } = parsed
  const usage = parsed.usage ?? countedUsage(body, completion.choices.map((c) => c.message.content ?? '').join(''))
  const cost = priceTokens(route, usage, overrides)
  call.record({
    provider: route.servedBy,
    model: body.model,
    ...cost,
    response_payload: call.sanitize(completion),
    metadata: usageSource(parsed.usage ? 'upstream' : 'counted'),
  })
  return { completion, cost }
}

function countedUsage(body: ChatRequestBody, output: string): TextUsage {
  return { inputTokens: countPromptTokens(body.messages as never), outputTokens: countTokens(output), cachedTokens: 0, reasoningTokens: 0 }
}

const usageSource = (source: 'upstream' | 'counted') => ({ usage_source: source })

/** POST /api/v1/chat/completions */
export async function handleChatCompletions(call: GatewayCall): Promise<Response> {
  const { body, route, overrides } = await prepareChat(call)
  if (!body.stream) return Response.json((await completeChat(call, body, route, overrides)).completion)
  return streamChat(call, body, route, overrides)
}

/**
 * A streamed completion. The upstream is always asked for usage in its last chunk; that chunk
 * reaches the client only if the client asked. A client that disconnects aborts the upstream,
 * and the row records what was streamed until then, as client_aborted.
 */
export async function streamChat(call: GatewayCall, body: ChatRequestBody, route: TextRoute, overrides: readonly PriceOverride[]): Promise<Response> {
  const chat = route.adapter.chat!
  const clientWantsUsage = body.stream_options?.include_usage === true
  const upstreamBody = { ...body, stream: true, stream_options: { ...body.stream_options, include_usage: true } }
  const aborter = new AbortController()
  const clock = deadline({ timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: AbortSignal.any([call.request.signal, aborter.signal]) })
  // A stream must end before its admission hold expires, or it would stop counting against
  // limits while still running.
  let overran = false
  const overrun = setTimeout(() => {
    overran = true
    aborter.abort()
  }, holdSeconds(call.service) * 1000 - 30_000)
  // Both timers hold the whole call (request, body, closures) until they fire: every way out
  // clears them. A stream whose upstream refused the connection once kept its overrun timer
  // for ~570 s; under an outage that filled the 192 MB heap in under a minute.
  const release = () => {
    clock.clear()
    clearTimeout(overrun)
  }
  let upstream: Response
  try {
    upstream = await send(route.adapter, chat.buildRequest(upstreamBody, route.config), clock.signal, clock)
  } catch (error) {
    release()
    throw error
  }
  if (!upstream.body) {
    release()
    throw new UpstreamError('malformed', 'the upstream stream has no body')
  }

  let text = ''
  let usage: TextUsage | null = null
  let firstTokenMs: number | null = null
  // [DONE] or a finish_reason: the upstream said its answer is complete.
  let complete = false
  let finished = false
  const CLIENT_LEFT = new AppError('client_closed_request', 'The client closed the connection')
  // The trailing usage-only chunk (for a client that asked for usage) waits for the call's cost.
  let heldUsage: ChatChunk | null = null
  // No error: a success. The client leaving is client_closed_request, as for any call.
  const finish = (error?: AppError): StreamCost | null => {
    if (finished) return null
    finished = true
    release()
    const measured = usage ?? countedUsage(body, text)
    const priced = priceTokens(route, measured, overrides)
    call.record(
      {
        provider: route.servedBy,
        model: body.model,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstTokenMs,
        ...priced,
        response_payload: call.sanitize(error && error !== CLIENT_LEFT ? { streamed: text, ...errorBody(error) } : { streamed: text }),
        metadata: usageSource(usage ? 'upstream' : 'counted'),
      },
      'now',
    )
    return { cost: priced.total_cost, cost_status: priced.cost_status }
  }
  // The headers left before the cost was known: it is said at the end, twice. In the usage
  // chunk (usage.cost, usage.cost_status) for a client that asked for usage, and always in an
  // SSE comment just before [DONE] (or the error event), which every SSE reader skips.
  const sayCost = (controller: ReadableStreamDefaultController<Uint8Array>, cost: StreamCost | null) => {
    if (!cost) return
    if (heldUsage) controller.enqueue(sseFrame({ ...heldUsage, usage: { ...(heldUsage.usage as object), ...cost } }))
    controller.enqueue(sseComment(`${cost.cost === null ? '' : `x-tollgate-cost=${cost.cost} `}x-tollgate-cost-status=${cost.cost_status}`))
  }

  const translator = chat.openStream(route.config)
  const translate = (read: () => StreamEvent[]): StreamEvent[] => {
    try {
      return read()
    } catch {
      throw new UpstreamError('malformed', 'the upstream sent a malformed stream event')
    }
  }
  // Passes one translated event on; true once the stream is over ([DONE]).
  const forward = (controller: ReadableStreamDefaultController<Uint8Array>, event: StreamEvent): boolean => {
    if (event.kind === 'done') return (complete = true)
    if (event.kind === 'error') throw new UpstreamError('server_error', event.message)
    const { chunk, usage: reported } = event
    if (reported) usage = reported
    for (const choice of chunk.choices) {
      if (choice.finish_reason) complete = true
      const piece = choice.delta?.content
      if (typeof piece === 'string' && piece.length) {
        firstTokenMs ??= call.elapsedMs()
        text += piece
      }
    }
    if (chunk.choices.length === 0 && reported) {
      if (clientWantsUsage) heldUsage = chunk
      return false
    }
    if (!clientWantsUsage) delete chunk.usage
    controller.enqueue(sseFrame(chunk))
    return false
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        let over = false
        for await (const data of sseEvents(upstream.body!, clock.signal)) {
          clock.touch()
          for (const event of translate(() => translator.next(data))) over ||= forward(controller, event)
          if (over) break
        }
        if (!over) for (const event of translate(() => translator.end())) forward(controller, event)
        // A body that simply ends (a proxy's idle cut, a worker that closed cleanly) is a cut
        // answer: passing it on with [DONE] would sell it to the caller as whole, and book it
        // as a success.
        if (!complete) throw new UpstreamError('malformed', 'the upstream stream ended before the answer was complete')
        sayCost(controller, finish())
        controller.enqueue(sseFrame('[DONE]'))
        controller.close()
      } catch (thrown) {
        if (!overran && (call.request.signal.aborted || aborter.signal.aborted)) return finish(CLIENT_LEFT)
        const error = overran
          ? new AppError('upstream_timeout', 'The stream ran longer than the gateway allows and was cut')
          : clock.timedOut()
            ? toAppError(failureFromAbort(clock, route.adapter.id))
            : toAppError(thrown)
        // The wrapper logs a plain call's internal error; a stream's ends here, after the response.
        logFailure('gateway', error, thrown, `${call.requestId} mid-stream`)
        const cost = finish(error)
        try {
          sayCost(controller, cost)
          controller.enqueue(sseFrame(errorBody(error)))
          controller.close()
        } catch {
          // the client is gone too
        }
      }
    },
    cancel() {
      aborter.abort()
      finish(CLIENT_LEFT)
    },
  })
  call.holdShutdownUntilRecorded()
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-tollgate-cost-status': 'pending',
    },
  })
}
