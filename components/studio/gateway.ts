// Browser-side calls to the gateway with the session cookie as identity: the same endpoints
// and shapes an API-key client uses, so the Studio exercises exactly what customers get.

/** A failed gateway call, as the user should see it. */
export type CallFailure = { status: number; message: string; code?: string; upgradeUrl?: string }

export class GatewayCallError extends Error {
  constructor(
    readonly failure: CallFailure,
    readonly requestId: string | null = null,
  ) {
    super(failure.message)
  }
}

type ErrorShape = { error?: { message?: unknown; code?: unknown; upgrade_url?: unknown } | string }

/** Reads OpenAI's error shape `{ error: { message, code, upgrade_url? } }`, tolerating anything else. */
export function failureFrom(status: number, body: unknown): CallFailure {
  const error = (body as ErrorShape | null)?.error
  if (typeof error === 'string') return { status, message: error }
  const message = typeof error?.message === 'string' && error.message ? error.message : `The gateway answered ${status || 'nothing'}.`
  return {
    status,
    message,
    code: typeof error?.code === 'string' ? error.code : undefined,
    upgradeUrl: typeof error?.upgrade_url === 'string' ? error.upgrade_url : undefined,
  }
}

/** Any thrown value as a CallFailure: network errors and bugs never reach React as exceptions. */
export function toFailure(thrown: unknown): CallFailure {
  if (thrown instanceof GatewayCallError) return thrown.failure
  if (thrown instanceof TypeError) return { status: 0, message: 'Could not reach the gateway. Check your connection and try again.' }
  return { status: 0, message: thrown instanceof Error ? thrown.message : 'Something went wrong.' }
}

async function send(path: string, init: RequestInit): Promise<Response> {
  const response = await fetch(path, { ...init, credentials: 'same-origin', cache: 'no-store' })
  if (response.ok) return response
  const body = await response.json().catch(() => null)
  throw new GatewayCallError(failureFrom(response.status, body), response.headers.get('x-request-id'))
}

/** POSTs JSON; resolves to the answer and the call's request id, or throws GatewayCallError. */
export async function postJson<T>(path: string, body: object, signal?: AbortSignal): Promise<{ data: T; requestId: string | null; response: Response }> {
  const response = await send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal })
  return { data: (await response.json()) as T, requestId: response.headers.get('x-request-id'), response }
}

/** POSTs JSON and hands back the raw response (for streams). */
export async function postStream(path: string, body: object, signal?: AbortSignal): Promise<Response> {
  return send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal })
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await send(path, { signal })).json()) as T
}

/** The `data:` payloads of a server-sent event stream, parsed as JSON, until `[DONE]`. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      // Events may arrive split anywhere: only complete lines are parsed.
      const lines = buffer.split(/\r?\n/)
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.startsWith('data:')) continue
        const data = line.slice(5).trim()
        if (data === '[DONE]') return
        if (data) yield JSON.parse(data)
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/** One row of GET /api/v1/usage/history: what the call was charged. */
export type UsageRow = {
  request_id: string
  service_type: string
  provider: string
  model: string
  status: string
  error_code: string | null
  input_tokens: number
  output_tokens: number
  images_generated: number
  video_seconds: number
  total_cost: string | null
  cost_status: string
  latency_ms: number | null
  time_to_first_token_ms: number | null
}

const RECEIPT_TRIES = 10
const RECEIPT_GAP_MS = 300

/** Waits `ms`, or less if `signal` aborts first (callers check the signal). */
export const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })

/**
 * The usage row of one call. The gateway records it just after answering, so the first reads
 * may find nothing yet; null when it has not appeared after a few seconds.
 */
export async function fetchUsageRow(requestId: string, signal: AbortSignal): Promise<UsageRow | null> {
  for (let attempt = 0; attempt < RECEIPT_TRIES && !signal.aborted; attempt++) {
    if (attempt > 0) await pause(RECEIPT_GAP_MS, signal)
    try {
      const page = await getJson<{ data: UsageRow[] }>(`/api/v1/usage/history?limit=1&request_id=${encodeURIComponent(requestId)}`, signal)
      if (page.data[0]) return page.data[0]
    } catch {
      if (signal.aborted) return null
    }
  }
  return null
}

/** Tells other parts of the page (usage meters) that the user's usage just changed. */
export function announceUsageChanged(): void {
  window.dispatchEvent(new Event('tollgate:usage-changed'))
}
