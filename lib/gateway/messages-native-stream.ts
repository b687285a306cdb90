import 'server-only'
// A native Anthropic stream passed through event by event, as Anthropic sent it, while the
// gateway reads its usage (message_start, then each cumulative message_delta) and watches for
// message_stop. The same guarantees as a chat stream (chat.ts streamChat): a silence timeout,
// the cut before the admission hold expires, the client leaving → client_closed_request, a
// stream that ends without message_stop is an error, and one usage row whatever happens.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { AppError } from '@/lib/errors'
import { priceTokens } from '@/lib/gateway/chat-usage'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import type { TextRoute } from '@/lib/gateway/routing'
import { sseEvents } from '@/lib/gateway/sse'
import { clientLeft, costComment, guardStream, closeWith, streamResponse } from '@/lib/gateway/stream-guard'
import type { PriceOverride } from '@/lib/pricing/types'
import { anthropicErrorBody } from '@/lib/protocols/anthropic-errors'
import { anthropicFrame } from '@/lib/protocols/anthropic-inbound-stream'
import { mergeAnthropicUsage } from '@/lib/protocols/anthropic-usage'
import { anthropicUsage } from '@/lib/providers/anthropic'
import { send, UpstreamError } from '@/lib/providers/transport'
import type { HttpCall } from '@/lib/providers/types'

/** `promptTokens`: admission's estimate of the prompt, billed if the stream is cut before Anthropic reports it. */
export async function streamNative(call: GatewayCall, upstreamCall: HttpCall, route: TextRoute, overrides: readonly PriceOverride[], promptTokens: number): Promise<Response> {
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

  let text = ''
  let usage: Record<string, unknown> | null = null
  let firstTokenMs: number | null = null
  let complete = false
  let finished = false
  const CLIENT_LEFT = clientLeft()
  const finish = (error?: AppError) => {
    if (finished) return null
    finished = true
    release()
    const read = anthropicUsage(usage)
    // A whole stream's usage is Anthropic's. A cut one's is not: message_start says 1 output
    // token and the last message_delta never came, so what was streamed (text, thinking, tool
    // input) is counted, and the larger figure billed. Cut before message_start: the prompt as
    // admission estimated it.
    const streamed = countTokens(text)
    const measured = read
      ? complete ? read : { ...read, outputTokens: Math.max(read.outputTokens, streamed) }
      : { inputTokens: promptTokens, outputTokens: streamed, cachedTokens: 0, reasoningTokens: 0 }
    // Any count of Tollgate's in the row (the streamed output of a cut stream) makes it an estimate.
    const source = read && (complete || read.outputTokens >= streamed) ? 'upstream' : 'counted'
    const priced = priceTokens(route, measured, overrides, undefined, source)
    call.record(
      {
        provider: route.servedBy,
        model: route.upstreamModel,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstTokenMs,
        ...priced,
        response_payload: call.sanitize(error && error !== CLIENT_LEFT ? { streamed: text, ...anthropicErrorBody(error) } : { streamed: text }),
        metadata: { usage_source: source },
      },
      'now',
    )
    return priced
  }
  const sayCost = (controller: ReadableStreamDefaultController<Uint8Array>, priced: ReturnType<typeof finish>) => {
    if (priced) controller.enqueue(costComment(priced))
  }

  // One upstream event, passed on; Anthropic's `error` event is the upstream failing mid-stream.
  const relay = (controller: ReadableStreamDefaultController<Uint8Array>, data: string) => {
    let event: { type?: unknown; message?: { usage?: unknown }; usage?: unknown; delta?: { type?: unknown; text?: unknown; thinking?: unknown; partial_json?: unknown }; error?: { message?: unknown } }
    try {
      event = JSON.parse(data)
    } catch {
      throw new UpstreamError('malformed', 'the upstream sent a malformed stream event')
    }
    const type = typeof event.type === 'string' ? event.type : ''
    if (type === 'error') throw new UpstreamError('server_error', `the provider failed mid-stream: ${String(event.error?.message ?? 'unknown error')}`)
    if (type === 'message_start') usage = mergeAnthropicUsage(null, event.message?.usage)
    if (type === 'message_delta') usage = mergeAnthropicUsage(usage, event.usage)
    if (type === 'content_block_delta') {
      const d = event.delta
      const piece = d?.type === 'text_delta' ? d.text : d?.type === 'thinking_delta' ? d.thinking : d?.type === 'input_json_delta' ? d.partial_json : null
      if (typeof piece === 'string' && piece) {
        firstTokenMs ??= call.elapsedMs()
        text += piece
      }
    }
    if (type === 'message_stop') {
      complete = true
      return
    }
    if (type) controller.enqueue(anthropicFrame({ event: type, data: event as Record<string, unknown> }))
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const data of sseEvents(upstream.body!, clock.signal)) {
          clock.touch()
          relay(controller, data)
          if (complete) break
        }
        if (!complete) throw new UpstreamError('malformed', 'the upstream stream ended before the answer was complete')
        // The cost is said just before message_stop, in a comment every SSE reader skips.
        sayCost(controller, finish())
        controller.enqueue(anthropicFrame({ event: 'message_stop', data: { type: 'message_stop' } }))
        controller.close()
      } catch (thrown) {
        const error = guard.failure(thrown, route.adapter.id)
        if (!error) return void finish(CLIENT_LEFT)
        const priced = finish(error)
        closeWith(controller, () => {
          sayCost(controller, priced)
          controller.enqueue(anthropicFrame({ event: 'error', data: anthropicErrorBody(error, call.requestId) }))
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
