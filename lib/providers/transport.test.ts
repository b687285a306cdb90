// deadline(): an exchange's clock must not outlive the exchange. The signal a stream passes in
// is itself joined (AbortSignal.any of the request and the stream's own aborter); Node keeps
// such a signal alive for as long as it has an abort listener and has not aborted, so a
// listener left on it kept every call (its timer, request and response) for the life of the
// process: 2,000 calls of the outage soak filled the 192 MB heap.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { deadline } from './transport'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Whether `ref`'s target is gone after a few collections (a deref that finds it keeps it for the rest of that turn, so each check waits a turn first). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  const turn = () => new Promise((r) => setImmediate(r))
  for (let i = 0; i < 10; i++) {
    await turn()
    gc()
    await turn()
    if (ref.deref() === undefined) return true
  }
  return false
}

describe('deadline', () => {
  it('lets go of an exchange once it is cleared, when the signal it follows is a joined one that never aborts', async () => {
    const request = new AbortController()
    let clock: ReturnType<typeof deadline> | undefined = deadline({ timeoutMs: 60_000, signal: AbortSignal.any([request.signal, new AbortController().signal]) })
    const exchange = new WeakRef(clock.signal)
    clock.clear()
    clock = undefined
    expect(await collected(exchange)).toBe(true)
  })

  it('still aborts with the signal it follows, and on its timer', async () => {
    const client = new AbortController()
    const followed = deadline({ timeoutMs: 60_000, signal: client.signal })
    client.abort()
    expect(followed.signal.aborted).toBe(true)
    expect(followed.timedOut()).toBe(false)
    followed.clear()

    const timed = deadline({ timeoutMs: 1 })
    await new Promise((r) => timed.signal.addEventListener('abort', r, { once: true }))
    expect(timed.timedOut()).toBe(true)
  })
})
