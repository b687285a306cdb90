// The throttles in front of the password hash, on servers of their own (the limits are env):
// per IP (TRUST_PROXY, so X-Forwarded-For names the caller) and for the whole deployment.
// A refused attempt must cost no hash: the proof is the server's own CPU time.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNextServer, type NextServer } from '@/test/next-server'

const PASSWORD = 'the right password'
let perIp: NextServer
let global: NextServer

beforeAll(async () => {
  const common = { DATABASE_URL: process.env.DATABASE_URL, AUTH_SECRET: 'throttle-test-secret-at-least-32-chars', TRUST_PROXY: 'true' }
  ;[perIp, global] = await Promise.all([
    startNextServer({ ...common, AUTH_IP_ATTEMPTS_PER_MINUTE: '3', AUTH_HASHES_PER_SECOND: '1000' }),
    startNextServer({ ...common, AUTH_IP_ATTEMPTS_PER_MINUTE: '1000', AUTH_HASHES_PER_SECOND: '2' }),
  ])
})
afterAll(async () => {
  await Promise.all([perIp?.stop(), global?.stop()])
})

const post = (server: NextServer, path: string, body: unknown, ip: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...headers }, body: JSON.stringify(body) })
const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
const newEmail = () => `throttle-${randomUUID()}@example.test`

/** User + system CPU time of a process, in milliseconds (Linux /proc; threads included, so argon2's pool too). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}

async function cpuOf(server: NextServer, work: () => Promise<unknown>): Promise<number> {
  const before = cpuMs(server.pid!)
  await work()
  return cpuMs(server.pid!) - before
}

describe('per-IP throttle', () => {
  it('refuses an IP past its attempts with 429 + Retry-After, before any hash; other IPs still sign in', async () => {
    const email = newEmail()
    expect((await post(perIp, '/api/auth/signup', { email, password: PASSWORD }, randomIp())).status).toBe(201)
    const ip = randomIp()
    for (let i = 0; i < 3; i++) expect((await post(perIp, '/api/auth/login', { email: newEmail(), password: 'a guess' }, ip)).status).toBe(401)

    // Even the right password is refused: the check runs before the password is looked at.
    const refused = await post(perIp, '/api/auth/login', { email, password: PASSWORD }, ip)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect((await refused.json()).error).toMatchObject({ code: 'too_many_attempts', message: expect.stringMatching(/from your network/) })
    expect((await post(perIp, '/api/auth/signup', { email: newEmail(), password: PASSWORD }, ip)).status).toBe(429)
    expect((await post(perIp, '/api/auth/login', { email, password: PASSWORD }, randomIp())).status).toBe(200)
  })

  it('spends far less CPU on a refused attempt than on a hashed one', async () => {
    const N = 60
    await post(perIp, '/api/auth/login', { email: newEmail(), password: 'warm up' }, randomIp())
    // Each from its own IP: every one is hashed (unknown emails hash a decoy, as real ones do).
    const hashed = await cpuOf(perIp, async () => {
      for (let i = 0; i < N; i++) expect((await post(perIp, '/api/auth/login', { email: newEmail(), password: `guess ${i}` }, randomIp())).status).toBe(401)
    })
    const ip = randomIp()
    for (let i = 0; i < 3; i++) await post(perIp, '/api/auth/login', { email: newEmail(), password: 'a guess' }, ip)
    const refused = await cpuOf(perIp, async () => {
      for (let i = 0; i < N; i++) expect((await post(perIp, '/api/auth/login', { email: newEmail(), password: `guess ${i}` }, ip)).status).toBe(429)
    })
    console.log(`[auth-throttle] CPU for ${N} attempts: hashed ${hashed} ms, refused ${refused} ms`)
    expect(refused).toBeLessThan(hashed / 2)
  })
})

describe('global throttle', () => {
  it('caps hash attempts per second across all callers; the excess gets 429 + Retry-After', async () => {
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => post(global, '/api/auth/login', { email: newEmail(), password: `guess ${i}` }, randomIp())),
    )
    const seconds = (Date.now() - started) / 1000
    const hashed = answers.filter((r) => r.status === 401).length
    const refused = answers.filter((r) => r.status === 429)
    expect(hashed + refused.length).toBe(16)
    // A bucket of 2 that refills at 2 per second: at most 2 + 2 per elapsed second get through.
    expect(hashed).toBeGreaterThanOrEqual(1)
    expect(hashed).toBeLessThanOrEqual(2 + Math.ceil(2 * seconds))
    expect(refused.length).toBeGreaterThan(0)
    expect(Number(refused[0].headers.get('retry-after'))).toBe(1)
    expect((await refused[0].json()).error.code).toBe('too_many_attempts')
  })
})
