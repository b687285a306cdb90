// A small closed-loop load for fault tests: `workers` clients each send one call after another
// until stopped, and every answer is kept (status, request id, error code, when it ended).
// Connection failures are answers too (status 0): the server may be gone on purpose.

export type Answer = { status: number; requestId: string | null; code: string | null; startedAt: number; endedAt: number; body: string }

export type Load = { answers: Answer[]; stop: () => Promise<Answer[]> }

export function startLoad(workers: number, send: (worker: number, n: number) => Promise<Response>, pauseMs = 0): Load {
  const answers: Answer[] = []
  let running = true
  const loop = async (worker: number) => {
    for (let n = 0; running; n++) {
      const startedAt = Date.now()
      try {
        const response = await send(worker, n)
        const body = await response.text()
        let code: string | null = null
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null
        } catch {
          // a stream or a non-JSON body: no error code
        }
        answers.push({ status: response.status, requestId: response.headers.get('x-request-id'), code, startedAt, endedAt: Date.now(), body })
      } catch {
        answers.push({ status: 0, requestId: null, code: null, startedAt, endedAt: Date.now(), body: '' })
        await new Promise((r) => setTimeout(r, 50))
      }
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs))
    }
  }
  const all = Promise.all(Array.from({ length: workers }, (_, i) => loop(i)))
  return {
    answers,
    stop: async () => {
      running = false
      await all
      return answers
    },
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(probe: () => Promise<T>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value || Date.now() > deadline) return value
    await sleep(everyMs)
  }
}
