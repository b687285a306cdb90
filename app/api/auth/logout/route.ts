// POST /api/auth/logout — ends the session of this browser.
import { signOut } from '@/lib/auth'

export async function POST() {
  await signOut()
  return new Response(null, { status: 204 })
}
