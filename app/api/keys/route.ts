// POST /api/keys — create a gateway API key (shown once); GET /api/keys — list the caller's keys.
import { getUser } from '@/lib/auth'
import { jsonError, jsonRoute, readJsonBody } from '@/lib/http/json'
import { CreateApiKeySchema, createApiKey, listApiKeys } from '@/lib/keys/api-keys'

const signedOut = () => jsonError(401, 'unauthorized', 'Sign in to manage API keys')

export const POST = jsonRoute(async (request: Request) => {
  const user = await getUser()
  if (!user) return signedOut()
  const body = await readJsonBody(request, CreateApiKeySchema)
  if (!body.ok) return jsonError(body.status, 'invalid_request', body.message)
  return Response.json(await createApiKey(user.id, body.data.name), { status: 201 })
})

export const GET = jsonRoute(async () => {
  const user = await getUser()
  if (!user) return signedOut()
  return Response.json({ data: await listApiKeys(user.id) })
})
