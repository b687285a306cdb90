// The I/O half of every adapter: sends a built request with a timeout and the caller's abort
// signal, and turns every way an upstream can fail into one UpstreamError kind.
import type { HttpCall, ParsedBody, ProviderAdapter } from '@/lib/providers/types'

export type UpstreamFailure =
  | 'client_error' // the upstream said 4xx: the caller's request was wrong; passed through
  | 'rate_limited' // 429: the vendor is limiting the gateway's own key, not judging the request
  | 'server_error' // 5xx
  | 'unreachable' // connection refused, DNS, reset
  | 'malformed' // a 2xx body we cannot read
  | 'timeout'
  | 'aborted' // our caller went away

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    /** The upstream's HTTP status, when it answered. */
    readonly upstreamStatus?: number,
    /** Whole seconds the upstream asked us to wait (its Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}

export type SendOptions = { timeoutMs: number; signal?: AbortSignal }

/**
 * The timer and signals of one upstream exchange; `clear()` once the body is read. The client's
 * signal is joined with AbortSignal.any, not followed with a listener of ours: a signal passed
 * in may itself be joined (a stream's), and Node keeps a joined signal alive while it has an
 * abort listener, which kept every call for the life of the process (transport.test.ts).
 */
export function deadline(options: SendOptions) {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal
  return {
    signal,
    timedOut: () => timeout.signal.aborted,
    /** Restarts the clock: streams allow timeoutMs of silence between chunks, not in total. */
    touch: () => timer.refresh(),
    clear: () => clearTimeout(timer),
  }
}

/**
 * The next chunk of an upstream body, or a rejection as soon as `signal` aborts (the body is
 * then cancelled, which closes the upstream connection). fetch's own abort does not reliably
 * reach a body inside Next.js, whose patched fetch may hand out a copy of the response: a
 * stalled stream then outlived its timeout forever (found under load with identical calls).
 */
export async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal): Promise<ReadableStreamReadResult<Uint8Array>> {
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'))
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([reader.read(), aborted])
  } catch (error) {
    if (signal.aborted) void reader.cancel(signal.reason).catch(() => {})
    throw error
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** A whole upstream body, read under `signal` (see readChunk). */
async function readAll(response: Response, signal: AbortSignal): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array()
  const reader = response.body.getReader()
  const parts: Uint8Array[] = []
  for (;;) {
    const { done, value } = await readChunk(reader, signal)
    if (done) return Buffer.concat(parts)
    parts.push(value)
  }
}

export function failureFromAbort(d: { timedOut: () => boolean }, what: string): UpstreamError {
  return d.timedOut() ? new UpstreamError('timeout', `${what} did not answer in time`) : new UpstreamError('aborted', 'the client closed the connection')
}

/**
 * Sends `call` and returns the response once its status is 2xx. Non-2xx answers are read and
 * thrown as UpstreamError with the vendor's own message.
 */
export async function send(adapter: ProviderAdapter, call: HttpCall, signal: AbortSignal, clock: ReturnType<typeof deadline>): Promise<Response> {
  let response: Response
  try {
    response = adapter.serve
      ? await adapter.serve(call, signal)
      : await fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal, redirect: 'error' })
  } catch (error) {
    if (signal.aborted) throw failureFromAbort(clock, adapter.id)
    // The cause names internal hosts and ports: it goes to the server log, not to the caller.
    console.warn(`[upstream] ${adapter.id} unreachable: ${String((error as Error).cause ?? (error as Error).message)}`)
    throw new UpstreamError('unreachable', `${adapter.id} is unreachable`)
  }
  if (response.ok) return response
  const body = await readBody(response, clock).catch(() => ({ contentType: '', headers: response.headers }) as ParsedBody)
  const message = adapter.parseError(response.status, body)
  // Our own key refused is the operator's problem, whatever status says it: answered as a 401 is.
  if (adapter.rejectsKey?.(response.status, body)) throw new UpstreamError('client_error', message, 401)
  if (response.status === 429) {
    // The vendor's text can name the operator's account (OpenAI quotes the organization id):
    // it is for the operator's log, and the caller gets a message of the gateway's own.
    console.warn(`[upstream] ${adapter.id} is rate-limiting the gateway: ${message}`)
    throw new UpstreamError('rate_limited', message, 429, retryAfterSeconds(response.headers.get('retry-after')) ?? adapter.retryAfter?.(body))
  }
  throw new UpstreamError(response.status >= 500 ? 'server_error' : 'client_error', message, response.status)
}

/** Retry-After as whole seconds from now (it is either seconds or an HTTP date); undefined if absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim())
  // An HTTP date names its day and month; Date.parse alone would read "-3" as a year.
  const at = /[a-z]/i.test(header) ? Date.parse(header) : NaN
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

/** Reads a whole body: JSON when it says so, else bytes. Malformed JSON is an UpstreamError. */
async function readBody(response: Response, clock: ReturnType<typeof deadline>): Promise<ParsedBody> {
  const contentType = response.headers.get('content-type') ?? ''
  let bytes: Uint8Array
  try {
    bytes = await readAll(response, clock.signal)
  } catch {
    throw clock.timedOut() ? failureFromAbort(clock, 'upstream') : new UpstreamError('unreachable', 'the upstream connection broke mid-response')
  }
  if (!/json/i.test(contentType)) return { bytes, contentType, headers: response.headers }
  try {
    return { json: JSON.parse(new TextDecoder().decode(bytes)), contentType, headers: response.headers }
  } catch {
    throw new UpstreamError('malformed', 'the upstream sent malformed JSON', response.status)
  }
}

/** Sends and reads a JSON (or bytes) answer within the timeout. */
export async function exchange(adapter: ProviderAdapter, call: HttpCall, options: SendOptions): Promise<ParsedBody> {
  const clock = deadline(options)
  try {
    const response = await send(adapter, call, clock.signal, clock)
    return await readBody(response, clock)
  } finally {
    clock.clear()
  }
}

/** The text of a vendor error body, whichever of the usual shapes it uses. */
export function errorText(body: ParsedBody, status: number): string {
  const j = body.json as Record<string, unknown> | undefined
  const candidates = [
    (j?.error as { message?: unknown } | undefined)?.message,
    typeof j?.error === 'string' ? j.error : undefined,
    typeof j?.detail === 'string' ? j.detail : undefined,
    Array.isArray(j?.detail) ? (j.detail as { msg?: string }[]).map((d) => d.msg).join('; ') : undefined,
    Array.isArray(j?.errors) ? (j.errors as unknown[]).join('; ') : undefined,
    typeof j?.message === 'string' ? j.message : undefined,
  ]
  const found = candidates.find((c): c is string => typeof c === 'string' && c.length > 0)
  return (found ?? `upstream answered HTTP ${status}`).slice(0, 500)
}
