// Supabase access tokens as the gateway's bearer: what is accepted and, mostly, what is not.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { verifyAccessToken } from '@/lib/auth/access-token'

const secret = 'a-supabase-jwt-secret-of-at-least-32-characters'
let server: Server
let url: string
let keys: JWK[] = []
let fetches = 0
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey }
let rsaJwk: JWK

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/auth/v1/.well-known/jwks.json') return void res.writeHead(404).end()
    fetches++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  rsa = await generateKeyPair('RS256', { extractable: true })
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }
  keys = [rsaJwk]
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const sub = randomUUID()
type Overrides = { iss?: string; aud?: string; exp?: number; role?: string; sub?: string }
function claims(o: Overrides = {}) {
  return new SignJWT({ role: o.role ?? 'authenticated', session_id: randomUUID() })
    .setSubject(o.sub ?? sub)
    .setIssuer(o.iss ?? `${url}/auth/v1`)
    .setAudience(o.aud ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 3600)
}
const hs256 = (o?: Overrides, key = secret) => claims(o).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(key))
const rs256 = (o?: Overrides, kid = 'rsa-1', key = rsa.privateKey) => claims(o).setProtectedHeader({ alg: 'RS256', kid }).sign(key)
const config = () => ({ supabaseUrl: url, jwtSecret: secret })

describe('verifyAccessToken', () => {
  it('accepts an HS256 token signed with the project secret, and gives its user', async () => {
    expect(await verifyAccessToken(await hs256(), config())).toMatchObject({ sub, exp: expect.any(Number), iat: expect.any(Number), session_id: expect.any(String) })
  })

  it('refuses HS256 with another secret, or when the project has no secret', async () => {
    expect(await verifyAccessToken(await hs256({}, 'another-secret-that-is-at-least-32-characters'), config())).toBeNull()
    expect(await verifyAccessToken(await hs256(), { supabaseUrl: url })).toBeNull()
  })

  it('accepts an RS256 token by the JWKS, fetched once and cached', async () => {
    const before = fetches
    expect((await verifyAccessToken(await rs256(), config()))?.sub).toBe(sub)
    expect((await verifyAccessToken(await rs256(), config()))?.sub).toBe(sub)
    expect(fetches - before).toBeLessThanOrEqual(1)
  })

  it('follows a key rotation: a new kid refetches the JWKS', async () => {
    const next = await generateKeyPair('ES256', { extractable: true })
    const token = await claims().setProtectedHeader({ alg: 'ES256', kid: 'ec-2' }).sign(next.privateKey)
    // A key set of its own whose cooldown (the least time between refetches) is short.
    const rotating = { supabaseUrl: url, jwtSecret: secret, jwksCooldownMs: 50 }
    keys = [rsaJwk]
    expect((await verifyAccessToken(await rs256(), rotating))?.sub).toBe(sub)
    keys = [rsaJwk, { ...(await exportJWK(next.publicKey)), kid: 'ec-2', alg: 'ES256', use: 'sig' }]
    await new Promise((r) => setTimeout(r, 60))
    const before = fetches
    expect((await verifyAccessToken(token, rotating))?.sub).toBe(sub)
    expect(fetches - before).toBe(1)
  })

  it('refuses a token signed by a key not in the JWKS', async () => {
    const stranger = await generateKeyPair('RS256')
    expect(await verifyAccessToken(await rs256({}, 'rsa-1', stranger.privateKey), config())).toBeNull()
  })

  it('refuses expired tokens, another audience, another issuer, another role, a sub that is not a uuid', async () => {
    const past = Math.floor(Date.now() / 1000) - 60
    for (const token of [
      await hs256({ exp: past }),
      await rs256({ exp: past }),
      await hs256({ aud: 'anon' }),
      await rs256({ iss: 'https://evil.example/auth/v1' }),
      await hs256({ iss: `${url}/auth/v2` }),
      await hs256({ role: 'service_role' }),
      await hs256({ sub: 'not-a-uuid' }),
    ])
      expect(await verifyAccessToken(token, config())).toBeNull()
  })

  it('refuses alg none and the HS/RS confusion (HMAC over the public key)', async () => {
    const [, payload] = (await hs256()).split('.')
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`
    expect(await verifyAccessToken(none, config())).toBeNull()
    // A token "signed" HS256 with the public key as the secret: the project's secret is not the public key.
    const publicPem = JSON.stringify(rsaJwk)
    expect(await verifyAccessToken(await hs256({}, publicPem), config())).toBeNull()
    // An RS256 header over an HMAC signature.
    const forged = await claims().setProtectedHeader({ alg: 'HS384', kid: 'rsa-1' }).sign(new TextEncoder().encode(secret))
    expect(await verifyAccessToken(forged, config())).toBeNull()
    const mislabelled = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' })).toString('base64url')}.${forged.split('.').slice(1).join('.')}`
    expect(await verifyAccessToken(mislabelled, config())).toBeNull()
  })

  it('refuses what is not a JWT at all', async () => {
    for (const token of ['', 'tg_abc', 'a.b', 'a.b.c.d', `${'x'.repeat(5000)}.y.z`]) expect(await verifyAccessToken(token, config())).toBeNull()
  })
})
