import 'server-only'
// A native Responses stream passed through event by event, as OpenAI sent it (`event:` line,
// `data:` with its sequence_number), while the gateway reads the usage of the terminal event
// (response.completed, .incomplete or .failed) and remembers a stored response as the caller's
// once response.created names it. The same guarantees as a chat stream (chat-stream.ts): a
// silence timeout, the cut before the admission hold expires, the client leaving →
// client_closed_request, a stream that ends without its terminal event is an error, and one
// usage row whatever happens.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { AppError, errorBody } from '@/lib/errors'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { fromResponsesUsage, priceResponse } from '@/lib/gateway/responses-native'
import { rememberResponse } from '@/lib/gateway/responses-store'
import type { TextRoute } from '@/lib/gateway/routing'
import { sseEvents } from '@/lib/gateway/sse'
import { clientLeft, costComment, guardStream, closeWith, streamResponse } from '@/lib/gateway/stream-guard'
import type { PriceOverride } from '@/lib/pricing/types'
import type { ResponsesRequest } from '@/lib/protocols/openai-responses-schema'
import { responsesFrame } from '@/lib/protocols/openai-responses-stream'
import { send, UpstreamError } from '@/lib/providers/transport'
import type { HttpCall } from '@/lib/providers/types'

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])
/** Events whose delta the model generated: counted for a stream cut before its usage. */
const GENERATED = new Set(['response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta', 'response.reasoning_summary_text.delta', 'response.reasoning_text.delta'])

type Options = { route: TextRoute; overrides: readonly PriceOverride[]; request: ResponsesRequest; stored: boolean; promptTokens: number }

export async function streamNativeResponses(call: GatewayCall, upstreamCall: HttpCall, options: Options): Promise<Response> {
  const { route, overrides, request } = options
  const guard = guardStream(call)
  const { clock, release } = guard
  let upstream: Response
  try {
    upstream = await send(route.adapter, upstreamCall, clock.signal, clock)
  } catch (error) {
    release()
    throw error
  }
  if (!upstream.body) {
    release()
    throw new UpstreamError('malformed', 'the upstream stream has no body')
  }

  let generated = ''
  let final: { usage?: unknown; output?: unknown; model?: unknown; status?: unknown; error?: { message?: unknown } } | null = null
  let output: unknown[] = []
  let responseId: unknown = null
  let firstTokenMs: number | null = null
  let finished = false
  let sequence = 0
  const CLIENT_LEFT = clientLeft()
  const finish = (error?: AppError) => {
    if (finished) return null
    finished = true
    release()
    // A whole stream's usage is OpenAI's; a cut one's is the prompt as admission counted it and what was streamed.
    const reported = fromResponsesUsage(final?.usage)
    const usage = reported ?? { inputTokens: options.promptTokens, outputTokens: countTokens(generated), cachedTokens: 0, reasoningTokens: 0 }
    const priced = priceResponse(route, usage, overrides, request, output, typeof final?.model === 'string' ? final.model : undefined)
    // A cut stream's response may still be stored upstream: a turn continuing it must hold its size.
    if (!reported && options.stored && responseId) void rememberResponse(call.identity.userId, responseId, call.requestId, route.upstreamModel, usage.inputTokens + usage.outputTokens)
    call.record(
      {
        provider: route.servedBy,
        model: route.upstreamModel,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstTokenMs,
        ...priced,
        response_payload: call.sanitize(error && error !== CLIENT_LEFT ? { streamed: generated, ...errorBody(error) } : (final ?? { streamed: generated })),
        metadata: { usage_source: reported ? 'upstream' : 'counted', response_id: responseId },
      },
      'now',
    )
    return priced
  }

  /** One upstream event, passed on as sent. True once it was the terminal one. */
  const relay = async (controller: ReadableStreamDefaultController<Uint8Array>, data: string): Promise<boolean> => {
    let event: { type?: unknown; delta?: unknown; response?: { id?: unknown; output?: unknown }; item?: unknown; message?: unknown; code?: unknown; sequence_number?: unknown }
    try {
      event = JSON.parse(data)
    } catch {
      throw new UpstreamError('malformed', 'the upstream sent a malformed stream event')
    }
    const type = typeof event.type === 'string' ? event.type : ''
    if (type === 'error') throw new UpstreamError('server_error', `the provider failed mid-stream: ${String(event.message ?? 'unknown error')}`)
    if (typeof event.sequence_number === 'number') sequence = event.sequence_number + 1
    if (type === 'response.created' && options.stored) {
      responseId = event.response?.id
      // Before the event reaches the caller: an id the caller has seen can be retrieved at once.
      await rememberResponse(call.identity.userId, responseId, call.requestId, route.upstreamModel)
    }
    if (type === 'response.created') responseId = event.response?.id
    if (GENERATED.has(type) && typeof event.delta === 'string') {
      firstTokenMs ??= call.elapsedMs()
      generated += event.delta
    }
    if (type === 'response.output_item.done' && event.item) output.push(event.item)
    if (TERMINAL.has(type)) {
      final = (event.response ?? {}) as typeof final
      if (Array.isArray(final?.output)) output = final.output
      const size = fromResponsesUsage(final?.usage)
      if (options.stored && size) await rememberResponse(call.identity.userId, responseId, call.requestId, route.upstreamModel, size.inputTokens + size.outputTokens)
    }
    if (type) controller.enqueue(responsesFrame(event as { type: string }))
    return TERMINAL.has(type)
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        let over = false
        for await (const data of sseEvents(upstream.body!, clock.signal)) {
          clock.touch()
          if (data === '[DONE]') continue
          if ((over = await relay(controller, data))) break
        }
        if (!over) throw new UpstreamError('malformed', 'the upstream stream ended before the answer was complete')
        const failed = (final as { status?: unknown } | null)?.status === 'failed'
        const priced = finish(failed ? new AppError('upstream_error', String((final as { error?: { message?: unknown } }).error?.message ?? 'the response failed')) : undefined)
        if (priced) controller.enqueue(costComment(priced))
        controller.close()
      } catch (thrown) {
        const error = guard.failure(thrown, route.adapter.id)
        if (!error) return void finish(CLIENT_LEFT)
        const priced = finish(error)
        closeWith(controller, () => {
          if (priced) controller.enqueue(costComment(priced))
          const { message, code, param } = errorBody(error).error
          controller.enqueue(responsesFrame({ type: 'error', sequence_number: sequence, code, message, param }))
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
