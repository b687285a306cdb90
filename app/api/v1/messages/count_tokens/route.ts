// POST /api/v1/messages/count_tokens — Anthropic's token count for a prompt; not metered (see lib/gateway/messages-count.ts).
import { countMessageTokens } from '@/lib/gateway/messages-count'
import { apiRoute } from '@/lib/http/route'
import { anthropicErrorResponse } from '@/lib/protocols/anthropic-errors'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = apiRoute({ auth: 'session-or-key', renderError: anthropicErrorResponse }, ({ request, identity }) => countMessageTokens(request, identity.userId))

const notAllowed = methodNotAllowed(['POST'], anthropicErrorResponse)
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
