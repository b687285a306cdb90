// POST /api/keys — create a gateway API key (shown once); GET /api/keys — list the caller's keys.
import { BODY_LIMITS, readJson } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'
import { CreateApiKeySchema, createApiKey, listApiKeys } from '@/lib/keys/api-keys'

const options = { auth: 'session', signedOut: 'Sign in to manage API keys' } as const

export const POST = apiRoute(options, async ({ request, identity }) => {
  const { name } = await readJson(request, CreateApiKeySchema, BODY_LIMITS.form)
  return Response.json(await createApiKey(identity.userId, name), { status: 201 })
})

export const GET = apiRoute(options, async ({ identity }) => Response.json({ data: await listApiKeys(identity.userId) }))
