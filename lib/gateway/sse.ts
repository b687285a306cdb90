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
/** Longer than any real event (a chunk carries a few tokens, a final one its usage). */
const MAX_EVENT_CHARS = 8 * 1024 * 1024

export async function* sseEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const boundaryPattern = /\r?\n\r?\n/g
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await readChunk(reader, signal).catch(() => {
        throw new UpstreamError('unreachable', 'the upstream connection broke mid-stream')
      })
      if (done) break
      // Only the new text (and the 3 characters before it) can hold a new boundary: searching
      // the whole buffer again on every chunk was quadratic in a long event.
      boundaryPattern.lastIndex = Math.max(0, buffer.length - 3)
      buffer += decoder.decode(value, { stream: true })
      if (buffer.length > MAX_EVENT_CHARS) throw new UpstreamError('malformed', `the upstream sent a stream event longer than ${MAX_EVENT_CHARS} characters`)
      let boundary: RegExpExecArray | null
      while ((boundary = boundaryPattern.exec(buffer))) {
        const event = buffer.slice(0, boundary.index)
        buffer = buffer.slice(boundary.index + boundary[0].length)
        boundaryPattern.lastIndex = 0
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
/** An SSE comment line: every SSE reader (the OpenAI SDKs included) skips it. Single-line text only. */
export const sseComment = (text: string): Uint8Array => encoder.encode(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`)
