// The SSE body of /api/usage/events, with a hand-driven subscription: the wire format
// EventSource reads, heartbeats while nothing happens, and the subscription released however
// the stream ends (client gone, reader cancelled).
import { describe, expect, it } from 'vitest'
import { usageEventStream, type Subscribe } from '@/lib/usage/event-stream'

function fakeHub() {
  const listeners = new Map<string, () => void>()
  const subscribe: Subscribe = (userId, listener) => {
    listeners.set(userId, listener)
    return () => listeners.delete(userId)
  }
  return { subscribe, listeners }
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, received = { text: '' }): Promise<string> {
  const decoder = new TextDecoder()
  while (!received.text.includes(text)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(received.text)}`)
    received.text += decoder.decode(value, { stream: true })
  }
  return received.text
}

describe('usageEventStream', () => {
  it('opens with retry and ready, then sends one usage event per change', async () => {
    const hub = fakeHub()
    const abort = new AbortController()
    const reader = usageEventStream('u1', hub.subscribe, abort.signal).getReader()
    const received = { text: '' }
    expect(await readUntil(reader, '\n\n', received)).toBe('retry: 2000\nevent: ready\ndata: listening\n\n')
    hub.listeners.get('u1')!()
    expect(await readUntil(reader, 'changed\n\n', received)).toBe('retry: 2000\nevent: ready\ndata: listening\n\nevent: usage\ndata: changed\n\n')
    abort.abort()
  })

  it('sends a comment line as a heartbeat while nothing happens', async () => {
    const hub = fakeHub()
    const abort = new AbortController()
    const reader = usageEventStream('u1', hub.subscribe, abort.signal, 10).getReader()
    expect(await readUntil(reader, ': keep-alive\n\n')).toContain(': keep-alive\n\n')
    abort.abort()
  })

  it('releases the subscription and ends when the client goes away', async () => {
    const hub = fakeHub()
    const abort = new AbortController()
    const reader = usageEventStream('u1', hub.subscribe, abort.signal, 10).getReader()
    await readUntil(reader, 'ready')
    expect(hub.listeners.size).toBe(1)
    abort.abort()
    expect(hub.listeners.size).toBe(0)
    for (;;) if ((await reader.read()).done) break
  })

  it('releases the subscription when the reader cancels', async () => {
    const hub = fakeHub()
    const reader = usageEventStream('u1', hub.subscribe, new AbortController().signal).getReader()
    await readUntil(reader, 'ready')
    await reader.cancel()
    expect(hub.listeners.size).toBe(0)
  })

  it('never subscribes for a request that is already gone', async () => {
    const hub = fakeHub()
    const reader = usageEventStream('u1', hub.subscribe, AbortSignal.abort()).getReader()
    expect((await reader.read()).done).toBe(true)
    expect(hub.listeners.size).toBe(0)
  })
})
