import 'server-only'
// What every relayed stream needs, whatever its protocol (chat, native /messages and /responses, audio):
// a silence timeout, a cut before the admission hold expires, the timers cleared on every way
// out, and one reading of why a stream stopped.
import { env } from '@/lib/env'
import { AppError, logFailure, toAppError } from '@/lib/errors'
import { holdSeconds } from '@/lib/gateway/admission'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { sseComment } from '@/lib/gateway/sse'
import { deadline, failureFromAbort } from '@/lib/providers/transport'

/** Headers of a relayed stream; its cost is not known yet (said at its end). */
export const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
  'x-tollgate-cost-status': 'pending',
}

/** The row's error for a stream the client left: recorded as client_closed_request, told to nobody. */
export const clientLeft = () => new AppError('client_closed_request', 'The client closed the connection')

/** The cost of a stream, said at its end in an SSE comment every SSE reader skips. */
export function costComment(cost: { total_cost: string | null; cost_status: string }): Uint8Array {
  return sseComment(`${cost.total_cost === null ? '' : `x-tollgate-cost=${cost.total_cost} `}x-tollgate-cost-status=${cost.cost_status}`)
}

/**
 * The last words of a stream that broke (its cost, its error event), then its end. The client
 * may have gone meanwhile: then there is nobody to tell, and nothing to do.
 */
export function closeWith(controller: ReadableStreamDefaultController<Uint8Array>, lastWords: () => void): void {
  try {
    lastWords()
    controller.close()
  } catch {
    // the client is gone too
  }
}

/** The response of a relayed stream, registered so a graceful shutdown waits for its row. */
export function streamResponse(call: GatewayCall, stream: ReadableStream<Uint8Array>): Response {
  call.holdShutdownUntilRecorded()
  return new Response(stream, { headers: STREAM_HEADERS })
}

export function guardStream(call: GatewayCall) {
  const aborter = new AbortController()
  const clock = deadline({ timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: AbortSignal.any([call.request.signal, aborter.signal]) })
  // A stream must end before its admission hold expires, or it would stop counting against
  // limits while still running.
  let overran = false
  const overrun = setTimeout(() => {
    overran = true
    aborter.abort()
  }, holdSeconds(call.service) * 1000 - 30_000)
  return {
    /** Restarted on every event: the timeout is for silence, not for the whole stream. */
    clock,
    /** Stops the upstream (the client cancelled the response). */
    abort: () => aborter.abort(),
    /**
     * Both timers hold the whole call (request, body, closures) until they fire: every way out
     * clears them. A stream whose upstream refused the connection once kept its overrun timer
     * for ~570 s; under an outage that filled the 192 MB heap in under a minute.
     */
    release: () => {
      clock.clear()
      clearTimeout(overrun)
    },
    /** Why the stream stopped: null when the client left, else the error to record and tell (logged here, after the response). */
    failure(thrown: unknown, upstream: string): AppError | null {
      if (!overran && (call.request.signal.aborted || aborter.signal.aborted)) return null
      const error = overran
        ? new AppError('upstream_timeout', 'The stream ran longer than the gateway allows and was cut')
        : clock.timedOut()
          ? toAppError(failureFromAbort(clock, upstream))
          : toAppError(thrown)
      logFailure('gateway', error, thrown, `${call.requestId} mid-stream`)
      return error
    },
  }
}
