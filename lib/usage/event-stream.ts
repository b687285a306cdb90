// Server-sent events telling one signed-in user's browser that their usage changed.
//
// Each event is `event: usage` with no usage data in it: the page re-reads its numbers
// through the user's own session and RLS. A comment line every HEARTBEAT_MS keeps proxies and
// load balancers from closing a quiet stream; `retry:` tells EventSource how soon to reconnect.

export const HEARTBEAT_MS = 15_000
const RETRY_MS = 2_000

export type Subscribe = (userId: string, listener: () => void) => () => void

const encoder = new TextEncoder()

/**
 * The SSE body for `userId`. It ends, and its subscription is released, when `signal` aborts
 * (the client went away) or the reader cancels; a write that fails releases it too.
 */
export function usageEventStream(userId: string, subscribe: Subscribe, signal: AbortSignal, heartbeatMs = HEARTBEAT_MS): ReadableStream<Uint8Array> {
  let release = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (signal.aborted) return controller.close()
      let closed = false
      const write = (text: string) => {
        if (closed) return
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          release()
        }
      }
      const unsubscribe = subscribe(userId, () => write('event: usage\ndata: changed\n\n'))
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs)
      const onAbort = () => release()
      release = () => {
        if (closed) return
        closed = true
        clearInterval(heartbeat)
        unsubscribe()
        signal.removeEventListener('abort', onAbort)
        try {
          controller.close()
        } catch {
          // Already closed or errored by the reader.
        }
      }
      signal.addEventListener('abort', onAbort)
      // `ready` lets the page re-read after a reconnect: it may have missed events meanwhile.
      write(`retry: ${RETRY_MS}\nevent: ready\ndata: listening\n\n`)
    },
    cancel() {
      release()
    },
  })
}
