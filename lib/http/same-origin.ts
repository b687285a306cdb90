/**
 * Whether a state-changing request comes from this site's own pages. Browsers say where a
 * request comes from: Sec-Fetch-Site, and Origin on every cross-origin POST. A request that
 * carries neither does not come from a page in a browser (curl, a script), so it cannot ride a
 * victim's cookies. Same rule as Next.js applies to server actions: Origin's host must be the
 * request's own (X-Forwarded-Host, else Host; a page cannot set either on a cross-site call).
 */
export function isSameOriginRequest(headers: Headers): boolean {
  const site = headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin') return false
  const origin = headers.get('origin')
  if (origin === null) return true
  const host = headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? headers.get('host')
  try {
    return host !== null && new URL(origin).host === host
  } catch {
    return false // "null" (sandboxed frames, data: URLs) or garbage
  }
}
