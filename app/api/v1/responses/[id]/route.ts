// GET and DELETE /api/v1/responses/{id} — a stored response of the caller's own, from OpenAI. Not metered.
import { handleStoredResponse } from '@/lib/gateway/responses-store'
import { apiRoute } from '@/lib/http/route'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute<'session-or-key', { id: string }>({ auth: 'session-or-key' }, ({ request, identity, params }) => handleStoredResponse(request, identity, params.id, 'GET'))
export const DELETE = apiRoute<'session-or-key', { id: string }>({ auth: 'session-or-key' }, ({ request, identity, params }) => handleStoredResponse(request, identity, params.id, 'DELETE'))

const notAllowed = methodNotAllowed(['GET', 'DELETE'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH }
