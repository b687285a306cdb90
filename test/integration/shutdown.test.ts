// Graceful shutdown: SIGTERM to `next start` under load. The server stops accepting, finishes
// the calls in flight (plain and streamed), writes their usage rows before it exits (not to the
// spool), and leaves no hold behind: rows = admitted calls.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { createGatewayUser, holdsOf } from '@/test/gateway'
import { sleep, startLoad } from '@/test/load'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
let dataDir: string
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-shutdown-'))
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'shutdown-test-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    DATA_DIR: dataDir,
  })
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

describe('SIGTERM under load', () => {
  it('finishes in-flight calls, writes every row before exiting, and stops accepting', async () => {
    const user = await createGatewayUser(server.url)
    const load = startLoad(12, (worker, n) =>
      fetch(`${server.url}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
        // Half stream (their rows are written as the stream closes), half do not; all take
        // long enough to be caught mid-flight.
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: worker % 2 === 0, messages: [{ role: 'user', content: `w${worker} n${n} [delay:${300 + 100 * (worker % 4)}]` }] }),
      }),
    )
    await sleep(2_500)
    const exited = new Promise<number | null>((resolve) => {
      // The process's exit is observed by polling: the helper owns the child object.
      const timer = setInterval(() => {
        try {
          process.kill(server.pid!, 0)
        } catch {
          clearInterval(timer)
          resolve(Date.now())
        }
      }, 20)
    })
    const signalledAt = Date.now()
    process.kill(server.pid!, 'SIGTERM')
    const exitedAt = await Promise.race([exited, sleep(20_000).then(() => null)])
    expect(exitedAt, 'the server did not exit within 20 s of SIGTERM').not.toBeNull()
    // Clients keep trying until they are refused: nothing new is accepted once it has gone.
    await sleep(300)
    const answers = await load.stop()

    const completed = answers.filter((a) => a.status === 200)
    const inFlight = completed.filter((a) => a.startedAt < signalledAt && a.endedAt > signalledAt)
    expect(inFlight.length, 'calls in flight at SIGTERM finished with 200').toBeGreaterThan(0)
    expect(answers.filter((a) => a.status !== 200 && a.status !== 0)).toEqual([])
    expect(answers.filter((a) => a.startedAt > exitedAt!).every((a) => a.status === 0)).toBe(true)
    // Streams that were cut would lack their terminator.
    for (const a of completed.filter((x) => x.body.startsWith('data:'))) expect(a.body.trimEnd().endsWith('data: [DONE]')).toBe(true)

    // The rows were written before exit: right now, with no server left to replay a spool.
    const rows = await withClient(db(), async (c) => (await c.query<{ request_id: string; status: string }>('select request_id, status from public.api_usage where user_id = $1', [user.id])).rows)
    const holds = await holdsOf(db(), user.id)
    expect(rows.map((r) => r.request_id).sort()).toEqual(completed.map((a) => a.requestId).sort())
    expect(rows.every((r) => r.status === 'success')).toBe(true)
    expect(holds, 'an admitted call without a row would leave its hold').toBe(0)
    expect(upstream.calls).toHaveLength(rows.length)
    expect(existsSync(dataDir) ? (await readdir(dataDir)).filter((f) => f.startsWith('usage-spool')) : []).toEqual([])
    expect(server.output()).not.toMatch(/uncaught|unhandled/i)
    console.log(`[shutdown] ${completed.length} calls, ${inFlight.length} in flight at SIGTERM, exit ${exitedAt! - signalledAt} ms after it`)
  })
})
