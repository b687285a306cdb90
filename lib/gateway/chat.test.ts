// streamChat's timers on its way out when the upstream cannot be reached: the stream's overrun
// timer and its deadline hold the whole call (request, body, closures) until they fire, ~10
// minutes later. A failed call must leave none behind (outage-soak shows the heap cost; this
// shows the cause, at the line that clears them). Real parts: the database (admission takes a
// real hold), the real OpenAI adapter and fetch against a port that refuses connections.
import net from 'node:net'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

// A port nothing listens on: the connection is refused at once. Read by lib/env at import.
const refused = vi.hoisted(() => {
  process.env.OPENAI_API_KEY = 'sk-test-refused'
  return { port: 0 }
})

let handleChatCompletions: typeof import('@/lib/gateway/chat').handleChatCompletions
let GatewayCall: typeof import('@/lib/gateway/pipeline').GatewayCall

beforeAll(async () => {
  refused.port = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
  process.env.OPENAI_BASE_URL = `http://127.0.0.1:${refused.port}/v1`
  ;({ handleChatCompletions } = await import('@/lib/gateway/chat'))
  ;({ GatewayCall } = await import('@/lib/gateway/pipeline'))
})

afterEach(() => {
  vi.restoreAllMocks()
})

const OURS = /lib\/(?:gateway|providers)\/[\w-]+\.ts:/

/** Timers created from the gateway's own code while `fn` runs, and which of them are still pending after. */
async function gatewayTimers(fn: () => Promise<unknown>): Promise<{ created: number; pending: string[] }> {
  const live = new Map<unknown, string>()
  let created = 0
  const realSet = globalThis.setTimeout
  const realClear = globalThis.clearTimeout
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const frame = (new Error().stack ?? '').split('\n').find((line) => OURS.test(line))
    const timer = realSet((...a: unknown[]) => {
      live.delete(timer)
      callback(...a)
    }, ms, ...args)
    if (frame) {
      created++
      live.set(timer, `${ms} ms timer from ${frame.trim()}`)
    }
    return timer
  }) as typeof setTimeout)
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((timer: Parameters<typeof clearTimeout>[0]) => {
    live.delete(timer)
    realClear(timer)
  }) as typeof clearTimeout)
  await fn()
  return { created, pending: [...live.values()] }
}

describe('streamChat when send() throws', () => {
  it('clears its overrun timer and its deadline (the upstream refused the connection)', async () => {
    const userId = await withClient(process.env.DATABASE_URL!, (c) => insertUser(c))
    const request = new Request('http://localhost/api/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const call = new GatewayCall(request, { userId, apiKeyId: null, via: 'session' }, 'chat', '/api/v1/chat/completions')
    let failure: unknown
    const timers = await gatewayTimers(() => handleChatCompletions(call).catch((error) => (failure = error)))
    // It did reach the upstream and fail there (not earlier, where no timer would exist).
    expect(call.admitted).toBe(true)
    expect(failure).toMatchObject({ failure: 'unreachable' })
    expect(timers.created).toBeGreaterThanOrEqual(2)
    expect(timers.pending).toEqual([])
  })
})
