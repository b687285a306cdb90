import 'server-only'
// A streamed transcription (gpt-4o models, `stream: true`): OpenAI's SSE events
// (transcript.text.delta … transcript.text.done {usage}) are passed through as they arrive and
// the call is billed from the done event's usage. A stream cut before it (the upstream failing,
// the client leaving: then the upstream is aborted) is booked at the hold's worst case with the
// text streamed counted, 'estimated': OpenAI bills the audio it was sent whether or not the
// answer was read.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { errorBody, type AppError } from '@/lib/errors'
import type { AudioLength } from '@/lib/gateway/audio'
import type { AudioRoute } from '@/lib/gateway/audio-route'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { sseEvents, sseFrame } from '@/lib/gateway/sse'
import { clientLeft, costComment, guardStream, closeWith, streamResponse } from '@/lib/gateway/stream-guard'
import { costColumns } from '@/lib/metering/row'
import { priceAudio } from '@/lib/pricing/audio'
import type { CostBreakdown } from '@/lib/pricing/types'
import { transcriptionUsage, type TranscriptionUsage } from '@/lib/providers/openai-audio'
import { send, UpstreamError } from '@/lib/providers/transport'
import type { HttpCall } from '@/lib/providers/types'

export async function streamTranscription(call: GatewayCall, route: AudioRoute, request: HttpCall, held: { length: AudioLength; hold: CostBreakdown }): Promise<Response> {
  const guard = guardStream(call)
  const { clock, release } = guard
  let upstream: Response
  try {
    upstream = await send(route.adapter, request, clock.signal, clock)
    if (!upstream.body) throw new UpstreamError('malformed', 'the upstream stream has no body')
  } catch (error) {
    release()
    throw error
  }
  let text = ''
  let usage: TranscriptionUsage | null = null
  let firstTokenMs: number | null = null
  let finished = false
  const CLIENT_LEFT = clientLeft()
  const finish = (error?: AppError) => {
    if (finished) return null
    finished = true
    release()
    const cost =
      usage?.type === 'tokens'
        ? priceAudio(route.audio, { textInTokens: usage.textTokens, audioInTokens: usage.audioTokens, textOutTokens: usage.outputTokens })
        : { ...held.hold, costStatus: 'estimated' as const }
    const tokens = usage?.type === 'tokens' ? { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens } : { output_tokens: countTokens(text) }
    const columns = costColumns(cost, route.simulated)
    call.record(
      {
        provider: route.servedBy,
        model: route.audio.id,
        error_code: error?.code ?? null,
        time_to_first_token_ms: firstTokenMs,
        ...tokens,
        ...columns,
        response_payload: call.sanitize(error && error !== CLIENT_LEFT ? { streamed: text, ...errorBody(error) } : { streamed: text }),
        metadata: { usage_source: usage ? 'upstream' : 'worst_case_bound', streamed: true, ...(held.length.measured ? { measured_seconds: held.length.measured.seconds } : {}) },
      },
      'now',
    )
    return columns
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        let done = false
        for await (const data of sseEvents(upstream.body!, clock.signal)) {
          clock.touch()
          let event: { type?: string; delta?: unknown; error?: { message?: string } }
          try {
            event = JSON.parse(data)
          } catch {
            throw new UpstreamError('malformed', 'the upstream sent a malformed stream event')
          }
          if (event.error) throw new UpstreamError('server_error', event.error.message ?? 'upstream stream error')
          if (event.type === 'transcript.text.delta' && typeof event.delta === 'string') {
            firstTokenMs ??= call.elapsedMs()
            text += event.delta
          }
          if (event.type === 'transcript.text.done') {
            usage = transcriptionUsage(event)
            done = true
          }
          controller.enqueue(sseFrame(data))
          if (done) break
        }
        if (!done) throw new UpstreamError('malformed', 'the upstream stream ended before transcript.text.done')
        controller.enqueue(costComment(finish()!))
        controller.close()
      } catch (thrown) {
        const error = guard.failure(thrown, route.adapter.id)
        if (!error) return void finish(CLIENT_LEFT)
        const cost = finish(error)
        closeWith(controller, () => {
          if (cost) controller.enqueue(costComment(cost))
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
