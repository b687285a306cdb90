// A stalled upstream must time out even when many identical calls start at once on a cold
// server. Found by the outage soak: inside Next.js, aborting fetch's signal did not always end
// the read of a response body (Next's patched fetch may hand out a copy of it), so the first
// of 16 identical streamed calls whose upstream stalled hung for ever: no answer, no row,
// and a server that could not finish its graceful stop. It showed under npm start's heap cap
// (garbage collected often), so the server here runs with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { createGatewayUser, type GatewayUser } from '@/test/gateway'
import { startProductionServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer & { pid: number }
let user: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startProductionServer('.next-test', { DATABASE_URL: db(), AUTH_SECRET: 'stall-burst-secret-at-least-32-characters', OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url, UPSTREAM_TIMEOUT_MS: '400' }, ['--max-old-space-size=192'])
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

/** Sends one call and reads its whole answer, or says it hung (no end within 15 s of silence allowance). */
async function callAndRead(stream: boolean): Promise<{ status: number; requestId: string | null; body: string }> {
  const r = await fetch(`${server.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: '[fault:stall]' }] }),
  })
  const body = await Promise.race([r.text(), new Promise<string>((resolve) => setTimeout(() => resolve('HUNG'), 15_000))])
  return { status: r.status, requestId: r.headers.get('x-request-id'), body }
}

describe('a stalled upstream under a burst of identical calls', () => {
  for (const stream of [true, false]) {
    it(`ends every ${stream ? 'streamed' : 'plain'} call with a timeout and one row`, async () => {
      const answers = []
      for (let round = 0; round < 4; round++) answers.push(...(await Promise.all(Array.from({ length: 16 }, () => callAndRead(stream)))))
      expect(answers.filter((a) => a.body === 'HUNG')).toEqual([])
      for (const a of answers) {
        if (stream) expect(a.body).toContain('"code":"upstream_timeout"')
        else expect(a.status).toBe(504)
      }
      const ids = answers.map((a) => a.requestId)
      // Rows are written once the answer is out: wait for them.
      const rowsOf = () => withClient(db(), async (c) => (await c.query<{ error_code: string }>('select error_code from public.api_usage where request_id = any($1)', [ids])).rows)
      let rows = await rowsOf()
      for (const deadline = Date.now() + 15_000; rows.length < ids.length && Date.now() < deadline; rows = await rowsOf()) await new Promise((r) => setTimeout(r, 100))
      expect(rows.map((r) => r.error_code)).toEqual(Array(64).fill('upstream_timeout'))
    })
  }
})
