// Browser-side calls to the gateway with the session cookie as identity: the same endpoints
// and shapes an API-key client uses, so the Studio exercises exactly what customers get.

/** A failed gateway call, as the user should see it. */
export type CallFailure = { status: number; message: string; code?: string; upgradeUrl?: string }

/**
 * What one call was charged, from the answer itself: the gateway says the cost in
 * `x-tollgate-cost` / `x-tollgate-cost-status` (a stream: in its final usage chunk), so
 * nothing is read back from the usage history.
 */
export type CallReceipt = {
  requestId: string | null
  model: string
  /** Who served it: the vendor, or "simulator". */
  provider: string | null
  /** As the usage row says it: success, error, rate_limited, limit_exceeded, client_aborted. */
  status: string
  /** USD, decimal string; null when unpriced or not known (a stream the user stopped). */
  cost: string | null
  /** priced | estimated | unpriced; pending when the gateway could not say it (a stopped stream). */
  costStatus: string
  inputTokens?: number
  outputTokens?: number
  images?: number
  seconds?: number
  /** As this browser measured it, from sending to the end of the answer. */
  latencyMs: number | null
  firstTokenMs?: number | null
}

/** The cost headers of a metered answer (refusals included: "0", priced). */
export function costOf(headers: Headers): { cost: string | null; costStatus: string | null; provider: string | null } {
  return { cost: headers.get('x-tollgate-cost'), costStatus: headers.get('x-tollgate-cost-status'), provider: headers.get('x-tollgate-provider') }
}

/** The receipt of a call that answered: its cost from the headers, the rest as measured here. */
export function answeredReceipt(response: Response, model: string, startedAt: number, measures: Partial<CallReceipt> = {}): CallReceipt {
  const { cost, costStatus, provider } = costOf(response.headers)
  return {
    requestId: response.headers.get('x-request-id'),
    model,
    provider,
    status: 'success',
    cost,
    costStatus: costStatus ?? 'pending',
    latencyMs: Math.round(performance.now() - startedAt),
    ...measures,
  }
}

export class GatewayCallError extends Error {
  constructor(
    readonly failure: CallFailure,
    readonly requestId: string | null = null,
    /** The refused or failed call's receipt, when the gateway metered it (it said its cost). */
    readonly receipt: Omit<CallReceipt, 'model' | 'latencyMs'> | null = null,
  ) {
    super(failure.message)
  }
}

/** How a refused or failed call is booked, from its error code (as the gateway's row says it). */
export function failedStatus(failure: CallFailure): string {
  if (failure.code === 'rate_limited') return 'rate_limited'
  if (failure.code === 'usage_limit_exceeded') return 'limit_exceeded'
  return 'error'
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
  const failure = failureFrom(response.status, body)
  const requestId = response.headers.get('x-request-id')
  const { cost, costStatus, provider } = costOf(response.headers)
  // No cost status: the call was not metered (signed out, a revoked key): no receipt.
  const receipt = costStatus ? { requestId, provider, status: failedStatus(failure), cost, costStatus } : null
  throw new GatewayCallError(failure, requestId, receipt)
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

/** The cost a stream says at its end, in its comment line `: x-tollgate-cost=… x-tollgate-cost-status=…`. */
export type StreamCost = { tollgateCost: { cost: string | null; costStatus: string } }

function costComment(line: string): StreamCost | null {
  const fields = new Map(
    line
      .slice(1)
      .trim()
      .split(' ')
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  )
  const costStatus = fields.get('x-tollgate-cost-status')
  return costStatus ? { tollgateCost: { cost: fields.get('x-tollgate-cost') ?? null, costStatus } } : null
}

/**
 * The `data:` payloads of a server-sent event stream, parsed as JSON, until `[DONE]`; and the
 * gateway's cost comment, as a StreamCost.
 */
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
        if (line.startsWith(':')) {
          const cost = costComment(line)
          if (cost) yield cost
          continue
        }
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

/** Tells other parts of the page (usage meters) that the user's usage just changed. */
export function announceUsageChanged(): void {
  window.dispatchEvent(new Event('tollgate:usage-changed'))
}
