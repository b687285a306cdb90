// POST /api/auth/logout — ends this browser's session, on the server too; only from the app's own pages.
import { signOut } from '@/lib/auth'
import { apiRoute } from '@/lib/http/route'

// A cross-site page must not be able to sign a visitor out (a logout CSRF).
export const POST = apiRoute({ auth: 'none', sameOrigin: { message: 'Sign-out is accepted only from this site\'s own pages' } }, async () => {
  await signOut()
  return new Response(null, { status: 204 })
})
