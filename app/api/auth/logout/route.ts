// POST /api/auth/logout — ends the session of this browser.
import { jsonRoute } from '@/lib/http/json'
import { signOut } from '@/lib/auth'

export const POST = jsonRoute(async () => {
  await signOut()
  return new Response(null, { status: 204 })
})
