// Server-sent events in both directions: split an upstream byte stream into event data, and
// frame our own events.
import { readChunk, UpstreamError } from '@/lib/providers/transport'

/**
 * Yields the `data` of each event in an SSE byte stream (multi-line data joined by \n). A
 * connection that breaks under it throws UpstreamError('unreachable'): undici's own error
 * ("terminated") would otherwise pass for a bug of the gateway. Callers that aborted the body
 * themselves (timeout, client gone) check their signals first: `signal` aborting ends the read
 * at once and cancels the body.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await readChunk(reader, signal).catch(() => {
        throw new UpstreamError('unreachable', 'the upstream connection broke mid-stream')
      })
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let boundary: RegExpExecArray | null
      while ((boundary = /\r?\n\r?\n/.exec(buffer))) {
        const event = buffer.slice(0, boundary.index)
        buffer = buffer.slice(boundary.index + boundary[0].length)
        const data = dataOf(event)
        if (data !== null) yield data
      }
    }
    const rest = dataOf(buffer + decoder.decode())
    if (rest !== null) yield rest
  } finally {
    reader.releaseLock()
  }
}

function dataOf(event: string): string | null {
  const lines = event.split(/\r?\n/).filter((l) => l.startsWith('data:'))
  return lines.length ? lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n') : null
}

const encoder = new TextEncoder()
export const sseFrame = (data: unknown): Uint8Array => encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
