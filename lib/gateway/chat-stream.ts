import 'server-only'
import { errorBody, type AppError } from '@/lib/errors'
import { countedUsage, priceTokens, usageSource, type UsageSource } from '@/lib/gateway/chat-usage'
import { attemptOf, worthAnotherTry, type Attempt } from '@/lib/gateway/fallback'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import type { TextRoute } from '@/lib/gateway/routing'
import { sseEvents, sseFrame } from '@/lib/gateway/sse'
import { clientLeft, costComment, guardStream, closeWith, streamResponse } from '@/lib/gateway/stream-guard'
import { countCompletionTokens } from '@/lib/pricing/estimate'
import type { PriceOverride } from '@/lib/pricing/types'
import { send, UpstreamError } from '@/lib/providers/transport'
import type { ChatChunk, ChatRequestBody, StreamEvent, TextUsage } from '@/lib/providers/types'

/** A streamed call's cost, said at its end. */
type StreamCost = { cost: string | null; cost_status: string }

/**
 * A streamed completion. The upstream is always asked for usage in its last chunk; that chunk
 * reaches the client only if the client asked. A client that disconnects aborts the upstream,
 * and the row records what was streamed until then, as client_aborted.
 */
export async function streamChat(call: GatewayCall, body: ChatRequestBody, routes: readonly TextRoute[], overrides: readonly PriceOverride[]): Promise<Response> {
  const clientWantsUsage = body.stream_options?.include_usage === true
  const upstreamBody = { ...body, stream: true, stream_options: { ...body.stream_options, include_usage: true } }
  const guard = guardStream(call)
  const { clock, release } = guard
  // Fallback happens here or not at all: once a provider has answered 200, its stream is the answer.
  let upstream!: Response
  let route!: TextRoute
  const attempts: Attempt[] = []
  for (const [index, candidate] of routes.entries()) {
    try {
      upstream = await send(candidate.adapter, candidate.adapter.chat!.buildRequest({ ...upstreamBody, model: candidate.upstreamModel }, candidate.config), clock.signal, clock)
      route = candidate
      break
    } catch (error) {
      if (index < routes.length - 1 && worthAnotherTry(error) && !call.request.signal.aborted) {
        attempts.push(attemptOf(candidate, error))
        clock.touch()
        continue
      }
      call.noteAttempts(attempts)
      release()
      throw error
    }
  }
  call.servedBy(route, attempts)
  const chat = route.adapter.chat!
  if (!upstream.body) {
    release()
    throw new UpstreamError('malformed', 'the upstream stream has no body')
  }

  let text = ''
  /** Everything the model wrote as text (content, reasoning) and its tool calls: counted if the stream is cut or has no usage. */
  let generated = ''
  const toolCalls = new Map<string, { name: string; arguments: string }>()
  /** The model the upstream says it served (its chunks' `model`), for pricing a floating alias. */
  let servedAs: string | undefined
  let usage: TextUsage | null = null
  let firstTokenMs: number | null = null
  // [DONE] or a finish_reason: the upstream said its answer is complete.
  let complete = false
  let finished = false
  const CLIENT_LEFT = clientLeft()
  // The trailing usage-only chunk (for a client that asked for usage) waits for the call's cost.
  let heldUsage: ChatChunk | null = null
  // No error: a success. The client leaving is client_closed_request, as for any call.
  const finish = (error?: AppError): StreamCost | null => {
    if (finished) return null
    finished = true
    release()
    // A whole stream's usage is the vendor's. A cut one's is what the vendor reported so far
    // (prompt and cache counts) with its output at least what was streamed: content, reasoning
    // and tool calls, counted. Nothing reported: all of it counted. Any count of Tollgate's in
    // the row makes its cost `estimated`.
    const reported = usage ?? translator.usageSoFar?.() ?? null
    const written = { text: generated, toolCalls: [...toolCalls.values()] }
    const streamed = countCompletionTokens(written.text, written.toolCalls)
    const whole = usage !== null && complete
    const measured = whole ? usage! : reported ? { ...reported, outputTokens: Math.max(reported.outputTokens, streamed) } : countedUsage(body, route.upstreamModel, written)
    const source: UsageSource = whole || (reported && reported.outputTokens >= streamed) ? 'upstream' : 'counted'
    const priced = priceTokens(route, measured, overrides, servedAs, source)
    call.record(
      {
        provider: route.servedBy,
        model: route.upstreamModel,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstTokenMs,
        ...priced,
        response_payload: call.sanitize(error && error !== CLIENT_LEFT ? { streamed: text, ...errorBody(error) } : { streamed: text }),
        metadata: { ...usageSource(source), ...attemptsOf(attempts) },
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
    controller.enqueue(costComment({ total_cost: cost.cost, cost_status: cost.cost_status }))
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
    servedAs ??= typeof chunk.model === 'string' && chunk.model ? chunk.model : undefined
    for (const choice of chunk.choices) {
      if (choice.finish_reason) complete = true
      const piece = choice.delta?.content
      if (typeof piece === 'string' && piece.length) {
        firstTokenMs ??= call.elapsedMs()
        text += piece
        generated += piece
      }
      // What the model wrote besides content is billed too: reasoning, and tool calls (name and
      // arguments, which arrive in fragments under the call's index).
      const reasoning = choice.delta?.reasoning_content
      if (typeof reasoning === 'string') generated += reasoning
      const tools = choice.delta?.tool_calls
      for (const tool of (Array.isArray(tools) ? tools : []) as { index?: unknown; function?: { name?: unknown; arguments?: unknown } }[]) {
        const key = `${choice.index}:${typeof tool?.index === 'number' ? tool.index : toolCalls.size}`
        const call = toolCalls.get(key) ?? { name: '', arguments: '' }
        if (typeof tool?.function?.name === 'string') call.name += tool.function.name
        if (typeof tool?.function?.arguments === 'string') call.arguments += tool.function.arguments
        toolCalls.set(key, call)
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
        const error = guard.failure(thrown, route.adapter.id)
        if (!error) return finish(CLIENT_LEFT)
        const cost = finish(error)
        closeWith(controller, () => {
          sayCost(controller, cost)
          controller.enqueue(sseFrame(errorBody(error)))
        })
      }
    },
    cancel() {
      guard.abort()
      finish(CLIENT_LEFT)
    },
  })
  return streamResponse(call, stream)
}

const attemptsOf = (attempts: Attempt[]) => (attempts.length ? { attempts } : {})
