import { isIP } from 'node:net'
import { env } from '@/lib/env'

/**
 * The caller's IP. X-Forwarded-For is trusted only when TRUST_PROXY says a proxy we run sets
 * it (anyone can send the header); then its first hop is the client. Null when unknown.
 */
export function extractIPAddress(request: Request): string | null {
  return ipFromHeaders(request.headers)
}

/** extractIPAddress for code that has the headers only (server actions: next/headers). */
export function ipFromHeaders(headers: Headers): string | null {
  const candidate = env.TRUST_PROXY ? (headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? headers.get('x-real-ip')?.trim()) : undefined
  return candidate && isIp(candidate) ? candidate : null
}

// Exactly what PostgreSQL's inet accepts: a value it refused would lose the whole usage row.
const isIp = (value: string) => isIP(value) !== 0

export function extractUserAgent(request: Request): string | null {
  const ua = request.headers.get('user-agent')
  return ua ? ua.slice(0, 500) : null
}
