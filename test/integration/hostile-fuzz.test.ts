// Hostile input, fuzzed: more than 10,000 generated malformed requests to every public route,
// signed in (API key, session cookie) and not. Each is invalid by construction, so every answer
// must be a 4xx with a message; none may be a 5xx, reach the upstream, crash the server or
// lose a usage row. Reproduce a failure with FUZZ_SEED=<seed printed below>.
import { createHmac } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import net from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'
import { edgeString, headerValue, jsonText, rawQueryValue, unknownFields } from '@/test/hostile'
import * as hostile from '@/test/hostile-requests'
import type { Auth, HostileRequest } from '@/test/hostile-requests'

const SEED = Number(process.env.FUZZ_SEED ?? 9_2026)
const PARALLEL = 16
// How many requests of each kind: 10,600 in all, weighted toward the metered gateway.
const PLAN: [fc.Arbitrary<HostileRequest>, number][] = [
  [hostile.chat, 1_800], [hostile.content, 900], [hostile.images, 900], [hostile.videos, 900], [hostile.videoPoll, 600],
  [hostile.models, 300], [hostile.usage, 300], [hostile.history, 1_100], [hostile.aggregations, 600], [hostile.exportCsv, 600],
  [hostile.createKey, 500], [hostile.keysList, 200], [hostile.revokeKey, 500], [hostile.signup, 500], [hostile.login, 400], [hostile.stripeWebhook, 500],
]
const METERED = new Set(['/api/v1/chat/completions', '/api/v1/content/generations', '/api/v1/images/generations', '/api/v1/videos/generations'])

let upstream: FakeOpenAI
let server: NextServer
let user: GatewayUser

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({
    DATABASE_URL: process.env.DATABASE_URL,
    AUTH_SECRET: 'hostile-fuzz-secret-at-least-32-characters',
    OPENAI_API_KEY: upstream.apiKey,
    OPENAI_BASE_URL: upstream.url,
    STRIPE_WEBHOOK_SECRET: 'whsec_hostile_fuzz',
  })
  user = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** A session token for the real user, signed with the wrong secret, or not signed at all. */
function forgedToken(alg: 'HS256' | 'none'): string {
  const body = `${b64({ alg, typ: 'JWT' })}.${b64({ sub: user.id, email: 'x@example.test', role: 'authenticated', iss: 'tollgate', aud: 'authenticated', exp: 4_102_444_800 })}`
  return alg === 'none' ? `${body}.` : `${body}.${createHmac('sha256', 'not-the-secret-not-the-secret-not-the').update(body).digest('base64url')}`
}

function credentials(auth: Auth, i: number): Record<string, string> {
  const badKeys = ['Bearer not-a-key', `Bearer tg_${'A'.repeat(43)}`, 'Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${user.key}x`, `Bearer ${user.key.slice(0, -1)}`, `Bearer ${user.key} ${user.key}`, `Token ${user.key}`]
  const badCookies = ['tg_session=garbage', `tg_session=${forgedToken('none')}`, `tg_session=${forgedToken('HS256')}`, `tg_session=${'a'.repeat(3_000)}`, 'tg_session=', `tg_session=${user.cookie}`]
  switch (auth) {
    case 'key': return { authorization: `Bearer ${user.key}` }
    case 'cookie': return { cookie: user.cookie }
    case 'badKey': return { authorization: badKeys[i % badKeys.length] }
    case 'badCookie': return { cookie: badCookies[i % badCookies.length] }
    default: return {}
  }
}

type Outcome = { request: HostileRequest; status: number; text: string; headBytes: number }

async function send(request: HostileRequest, i: number): Promise<Outcome> {
  const headers = { ...request.headers, ...credentials(request.auth, i) }
  const headBytes = request.path.length + Object.entries(headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v, 'latin1') + 4, 100)
  const response = await fetch(`${server.url}${request.path}`, { method: request.method, headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
  return { request, status: response.status, text: await response.text(), headBytes }
}

/** The human message of an error answer, when it is in the one error shape { error: { message, type, code, param } }. */
function messageOf(text: string): string | undefined {
  try {
    const error = JSON.parse(text)?.error
    if (typeof error?.type !== 'string' || typeof error?.code !== 'string' || !('param' in error)) return undefined
    return typeof error.message === 'string' && error.message.trim() ? error.message : undefined
  } catch {
    return undefined
  }
}

/** Runs `work` over `items` with PARALLEL requests in flight. */
async function pool<T, R>(items: T[], work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i], i)
    }
  }))
  return results
}

const describeRequest = (r: HostileRequest) => `${r.method} …${r.path.slice(-200)} [${r.auth}] ${JSON.stringify(r.headers).slice(0, 120)} ${(r.body ?? '').slice(0, 200)}`

describe(`hostile input, fuzzed (seed ${SEED})`, () => {
  it('answers every one of 10,600 malformed requests with a 4xx and a message, never a 5xx, an upstream call or a lost row', async () => {
    const requests = PLAN.flatMap(([arbitrary, count], k) => fc.sample(arbitrary, { numRuns: count, seed: SEED + k }))
    expect(requests.length).toBeGreaterThanOrEqual(10_000)
    const outcomes = await pool(requests, (r, i) => send(r, i).catch((error: Error) => ({ request: r, status: -1, text: `client error: ${error.message}`, headBytes: 0 })))

    // Failures grouped by what went wrong and where, with one example each.
    const failures = new Map<string, { count: number; example: string }>()
    for (const o of outcomes) {
      // Node itself refuses request heads over 16 KiB with a bare 431, before any route runs.
      if (o.status === 431 && o.headBytes > 15_000) continue
      const why = o.status < 0 ? o.text.slice(0, 80) : o.status >= 500 ? `answered ${o.status}` : o.status < 400 ? `accepted with ${o.status}` : !messageOf(o.text) ? `${o.status} without a message in the error shape` : null
      if (!why) continue
      const key = `${why} on ${o.request.method} ${o.request.route}`
      const seen = failures.get(key) ?? { count: 0, example: `${describeRequest(o.request)} -> ${o.text.slice(0, 200)}` }
      failures.set(key, { ...seen, count: seen.count + 1 })
    }
    expect(Object.fromEntries(failures), `${[...failures.values()].reduce((n, f) => n + f.count, 0)} of ${outcomes.length} requests failed`).toEqual({})

    const byStatus: Record<number, number> = {}
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1
    console.log(`[fuzz] seed ${SEED}: ${outcomes.length} requests ->`, byStatus)
    // The generators reach every kind of refusal.
    for (const status of [400, 401, 404, 413, 415]) expect(byStatus[status], `some ${status}s`).toBeGreaterThan(0)

    // Invalid input never reaches the provider.
    expect(upstream.calls).toEqual([])
    // Every authenticated metered call, refused or not, still leaves exactly one usage row.
    const metered = outcomes.filter((o) => METERED.has(o.request.route) && (o.request.auth === 'key' || o.request.auth === 'cookie')).length
    expect((await usageRows(process.env.DATABASE_URL!, user.id, metered, 60_000)).length).toBe(metered)
    // The server lived through it, and said nothing went wrong inside it.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
    expect(server.output()).not.toMatch(/uncaught|unhandled|⨯|\[(gateway|api|action)\].*failed|\[usage\]|Internal Server Error/i)
  }, 240_000)

  it('accepts the hostile requests that are valid: odd unicode, unknown fields and junk queries on a correct call', async () => {
    // A user of its own: the fuzzing above spent the first user's request rate (refused calls
    // count against it), and its 429s are right, not what this test is about.
    const user = await createGatewayUser(server.url)
    const before = upstream.calls.length
    const noise = fc.sample(fc.tuple(edgeString, unknownFields(['model', 'messages', 'prompt', 'n', 'size', 'quality', 'response_format', 'campaign', 'stream', 'seconds', 'brief', 'format', 'tone', 'audience', 'max_tokens'])), { numRuns: 30, seed: SEED })
    const valid: [string, string][] = noise.flatMap(([text, extra]) => [
      ['/api/v1/chat/completions', jsonText({ ...extra, model: 'gpt-4o-mini', messages: [{ role: 'user', content: text.slice(0, 5_000) }] })],
      ['/api/v1/content/generations', jsonText({ ...extra, brief: `x${text.slice(0, 5_000)}`, format: 'email' })],
    ])
    const answers = await pool(valid, ([path, body]) => fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' }, body }))
    expect(answers.map((a) => a.status)).toEqual(valid.map(() => 200))
    expect(upstream.calls.length - before).toBe(valid.length)

    const queries = fc.sample(fc.array(fc.tuple(rawQueryValue, rawQueryValue), { maxLength: 3 }), { numRuns: 40, seed: SEED })
    const reads = queries.flatMap((q) => ['/api/v1/models', '/api/v1/usage', '/api/keys'].map((path) => `${path}?${q.map(([k, v]) => `fz${k}=${v}`).join('&')}`))
    const statuses = await pool(reads, (path) => fetch(`${server.url}${path}`, { headers: path.startsWith('/api/keys') ? { cookie: user.cookie } : { authorization: `Bearer ${user.key}` } }).then((r) => r.status))
    expect(statuses).toEqual(reads.map(() => 200))

    // Signing out is always allowed: whatever the body and cookie, 204.
    const logouts = fc.sample(fc.tuple(fc.oneof(edgeString, fc.constant('{')), headerValue), { numRuns: 60, seed: SEED })
    const out = await pool(logouts, ([body, value], i) => fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: `tg_session=${i % 2 ? 'garbage' : value}`, 'content-type': 'application/json' }, body }).then((r) => r.status))
    expect(out).toEqual(logouts.map(() => 204))
  }, 120_000)

  it('answers wrong methods with 405, and the old benchmark path with 404 (the benchmark runs its own forward server)', async () => {
    for (const [method, path] of [['PUT', '/api/v1/chat/completions'], ['GET', '/api/auth/signup'], ['DELETE', '/api/v1/models'], ['PATCH', '/api/keys'], ['POST', '/api/usage/export'], ['GET', '/api/stripe/webhook'], ['POST', '/api/keys/x']])
      expect((await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${user.key}` } })).status, `${method} ${path}`).toBe(405)
    const before = upstream.calls.length
    const bench = await fetch(`${server.url}/api/bench/forward`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-upstream-authorization': `Bearer ${upstream.apiKey}` }, body: '{"model":"gpt-4o-mini","messages":[]}' })
    expect(bench.status).toBe(404)
    expect((await fetch(`${server.url}/api/bench/forward`)).status).toBe(404)
    expect(upstream.calls.length).toBe(before)
  })

  it('answers every /api/v1 route asked with a method it does not serve with a JSON 405 naming the methods it does (Allow)', async () => {
    const routes = gatewayRouteFiles()
    expect(routes.length).toBeGreaterThanOrEqual(11)
    for (const { url, served } of routes) {
      expect(served.length, url).toBeGreaterThan(0)
      for (const method of METHODS.filter((m) => !served.includes(m))) {
        const answer = await fetch(`${server.url}${url}`, { method, headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
        expect(answer.status, `${method} ${url}`).toBe(405)
        expect(answer.headers.get('allow'), `${method} ${url}`).toBe(served.join(', '))
        const body = await answer.json()
        // /api/v1/messages speaks Anthropic's error shape; the rest OpenAI's.
        const error = url.startsWith('/api/v1/messages') ? body.error.details : body.error
        expect(error, `${method} ${url}`).toMatchObject({ [url.startsWith('/api/v1/messages') ? 'error_code' : 'code']: 'method_not_allowed' })
        expect(body.error.message, `${method} ${url}`).toContain(`${method} ${url}`)
      }
    }
  })

  it('answers any /api/v1 path no route serves with a JSON 404 (unknown_url) the SDKs can read, never an HTML page', async () => {
    for (const [method, path] of [['POST', '/api/v1/no-such-endpoint'], ['GET', '/api/v1/chat'], ['POST', '/api/v1/chat/completion'], ['DELETE', '/api/v1/x/y/z']]) {
      const answer = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
      expect(answer.status, `${method} ${path}`).toBe(404)
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
      expect((await answer.json()).error, `${method} ${path}`).toMatchObject({ code: 'unknown_url', type: 'invalid_request_error', message: expect.stringContaining(`${method} ${path}`) })
    }
    // The official SDK surfaces it as a NotFoundError with the message, not a page of HTML.
    const error = await user.client.post('/no-such-endpoint', { body: {} }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 404, code: 'unknown_url' })
    expect(String((error as Error).message)).not.toMatch(/<html/i)
  })

  it('refuses header injection and broken framing at the HTTP layer, and never echoes an injected header', async () => {
    const port = Number(new URL(server.url).port)
    const auth = `Authorization: Bearer ${user.key}\r\n`
    const head = (lines: string) => `GET /api/v1/models HTTP/1.1\r\nHost: localhost\r\n${lines}Connection: close\r\n\r\n`
    const cases: [string, string, number | 'route'][] = [
      ['CR LF in a value', head(`${auth}X-Campaign-Id: a\rSet-Cookie: pwned=1\r\n`), 400],
      ['a bare LF in a value', head(`X-Fz: a\nX-Injected: 1\r\n`), 400],
      ['NUL in a value', head(`X-Fz: a\u0000b\r\n`), 400],
      ['an obsolete folded header', head(`X-Fz: a\r\n  folded: x\r\n`), 400],
      ['a space in a header name', head(`X Fz: b\r\n`), 400],
      ['two Content-Lengths', `POST /api/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}`, 400],
      ['Content-Length with chunked', `POST /api/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, 400],
      ['a broken chunk', `POST /api/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`, 400],
      ['a 20 KiB header', head(`X-Fz: ${'a'.repeat(20_000)}\r\n`), 431],
      ['a 12 KiB header, under the limit', head(`X-Fz: ${'a'.repeat(12_000)}\r\n`), 'route'],
      ['CR LF in the path', `GET /api/v1/models?x=1\r\nX-Injected: 1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'route'],
    ]
    for (const [name, text, expected] of cases) {
      const answer = await rawRequest(port, text)
      const [statusLine, ...rest] = answer.split('\r\n')
      const status = Number(statusLine.split(' ')[1])
      if (expected === 'route') {
        expect(status, name).toBe(401)
        expect(messageOf(bodyOf(answer)), name).toBeTruthy()
      } else expect(status, name).toBe(expected)
      expect(rest.join('\n'), name).not.toMatch(/pwned|x-injected/i)
    }
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
  })
})

/** The body of a raw HTTP/1.1 answer, de-chunked. */
// The raw answer is read as latin1, one character per byte, so chunk sizes (in bytes) measure it;
// the body is then decoded as the UTF-8 it is (an error message may hold "…").
function bodyOf(answer: string): string {
  const [head, ...rest] = answer.split('\r\n\r\n')
  const body = rest.join('\r\n\r\n')
  const utf8 = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8')
  if (!/transfer-encoding: chunked/i.test(head)) return utf8(body)
  let out = ''
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at)
    const size = parseInt(body.slice(at, eol), 16)
    if (!size) return utf8(out)
    out += body.slice(eol + 2, eol + 2 + size)
    at = eol + 2 + size + 2
  }
}

/** One request written byte for byte on a socket (fetch refuses to send these); the raw answer. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')))
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')))
    socket.on('close', () => resolve(answer))
    socket.on('error', (error) => (answer ? resolve(answer) : reject(error)))
  })
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** Every route file under app/api/v1 (dynamic segments filled in) and the methods it exports a handler of its own for. */
function gatewayRouteFiles(): { url: string; served: string[] }[] {
  const root = path.join(process.cwd(), 'app/api/v1')
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('route.ts') && !f.includes('[...path]'))
  return files.map((file) => {
    const source = readFileSync(path.join(root, file), 'utf8')
    const served = METHODS.filter((m) => new RegExp(`export (?:const|async function|function) ${m}\\b`).test(source))
    const segments = path.dirname(file).split(path.sep).map((s) => (s.startsWith('[...') ? 'a/b' : s.startsWith('[') ? 'x' : s))
    return { url: `/api/v1/${segments.join('/')}`, served }
  })
}
