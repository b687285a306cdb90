// POST /api/auth/signup — creates an account and starts a session (JSON in, cookie out).
import { signUp } from '@/lib/auth'
import { authResponse } from '@/lib/auth/respond'
import { SignUpSchema } from '@/lib/auth/types'
import { jsonError, jsonRoute, readJsonBody } from '@/lib/http/json'

export const POST = jsonRoute(async (request: Request) => {
  const body = await readJsonBody(request, SignUpSchema)
  if (!body.ok) return jsonError(body.status, 'invalid_request', body.message)
  return authResponse(await signUp(body.data), 201)
})
