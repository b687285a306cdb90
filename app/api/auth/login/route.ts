// POST /api/auth/login — checks email and password and starts a session (JSON in, cookie out).
import { signIn } from '@/lib/auth'
import { authResponse } from '@/lib/auth/respond'
import { SignInSchema } from '@/lib/auth/types'
import { jsonError, jsonRoute, readJsonBody } from '@/lib/http/json'

export const POST = jsonRoute(async (request: Request) => {
  const body = await readJsonBody(request, SignInSchema)
  if (!body.ok) return jsonError(body.status, 'invalid_request', body.message)
  return authResponse(await signIn(body.data))
})
