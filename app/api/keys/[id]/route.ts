// DELETE /api/keys/{id} — revoke one of the caller's API keys.
import { getUser } from '@/lib/auth'
import { jsonError, jsonRoute } from '@/lib/http/json'
import { revokeApiKey } from '@/lib/keys/api-keys'

export const DELETE = jsonRoute(async (_request: Request, { params }: RouteContext<'/api/keys/[id]'>) => {
  const user = await getUser()
  if (!user) return jsonError(401, 'unauthorized', 'Sign in to manage API keys')
  const { id } = await params
  if (!(await revokeApiKey(user.id, id))) return jsonError(404, 'not_found', 'No such API key')
  return new Response(null, { status: 204 })
})
