import { describe, expect, it, vi } from 'vitest'

async function load(trustProxy: boolean) {
  vi.resetModules()
  vi.stubEnv('TRUST_PROXY', String(trustProxy))
  return import('@/lib/gateway/client-info')
}

const request = (headers: Record<string, string>) => new Request('http://x/', { headers })

describe('extractIPAddress', () => {
  it('ignores X-Forwarded-For unless a trusted proxy sets it (anyone can send the header)', async () => {
    const { extractIPAddress } = await load(false)
    expect(extractIPAddress(request({ 'x-forwarded-for': '203.0.113.9' }))).toBeNull()
  })

  it('takes the first hop behind a trusted proxy, and refuses what is not an address', async () => {
    const { extractIPAddress } = await load(true)
    expect(extractIPAddress(request({ 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }))).toBe('203.0.113.9')
    expect(extractIPAddress(request({ 'x-forwarded-for': '2001:db8::1' }))).toBe('2001:db8::1')
    expect(extractIPAddress(request({ 'x-forwarded-for': 'evil; drop table' }))).toBeNull()
    expect(extractIPAddress(request({}))).toBeNull()
  })

  it('reads the user agent, bounded', async () => {
    const { extractUserAgent } = await load(false)
    expect(extractUserAgent(request({ 'user-agent': 'OpenAI/JS 6.49.0' }))).toBe('OpenAI/JS 6.49.0')
    expect(extractUserAgent(request({ 'user-agent': 'x'.repeat(900) }))).toHaveLength(500)
    expect(extractUserAgent(request({}))).toBeNull()
  })
})
