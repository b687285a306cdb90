import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { sessionCookieOptions, signSession, verifySession } from '@/lib/auth/session'

const user = { id: '8d0f6c2e-3f55-4d8a-9d33-2c5a3f0a9b11', email: 'ada@example.test', displayName: 'Ada' }

describe('session tokens', () => {
  it('carry the claims of a Supabase access token', async () => {
    const claims = await verifySession(await signSession(user))
    expect(claims).toMatchObject({ sub: user.id, email: user.email, role: 'authenticated', aud: 'authenticated' })
    expect(claims!.exp - claims!.iat).toBe(7 * 24 * 3600)
  })

  it('refuse tampered, foreign, expired and missing tokens', async () => {
    const token = await signSession(user)
    const [h, p, s] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')
    const foreign = await new SignJWT({ email: user.email, role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('tollgate')
      .setAudience('authenticated')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-at-least-32-characters'))
    const expired = await new SignJWT({ email: user.email, role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('tollgate')
      .setAudience('authenticated')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(process.env.AUTH_SECRET!))
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`
    for (const bad of [`${h}.${forged}.${s}`, foreign, expired, unsigned, 'garbage', '', undefined]) {
      expect(await verifySession(bad)).toBeNull()
    }
  })

  it('use an HttpOnly, SameSite=Lax cookie for the whole site', () => {
    expect(sessionCookieOptions).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' })
  })
})
