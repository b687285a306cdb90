// DELETE /api/keys/{id} — revoke one of the caller's API keys.
import { AppError } from '@/lib/errors'
import { apiRoute } from '@/lib/http/route'
import { revokeApiKey } from '@/lib/keys/api-keys'

export const DELETE = apiRoute<'session', { id: string }>({ auth: 'session', signedOut: 'Sign in to manage API keys' }, async ({ identity, params }) => {
  if (!(await revokeApiKey(identity.userId, params.id))) throw new AppError('not_found', 'No such API key')
  return new Response(null, { status: 204 })
})
