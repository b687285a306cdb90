// POST /api/auth/logout — ends this browser's session, on the server too; only from the app's own pages.
import { signOut } from '@/lib/auth'
import { jsonError, jsonRoute } from '@/lib/http/json'
import { isSameOriginRequest } from '@/lib/http/same-origin'

export const POST = jsonRoute(async (request: Request) => {
  // A cross-site page must not be able to sign a visitor out (a logout CSRF).
  if (!isSameOriginRequest(request.headers)) return jsonError(403, 'cross_site_request', 'Sign-out is accepted only from this site\'s own pages')
  await signOut()
  return new Response(null, { status: 204 })
})
