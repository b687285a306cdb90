// POST /api/v1/responses — OpenAI's Responses API (client.responses.create), streamed or not, metered as chat.
import { handleResponses } from '@/lib/gateway/responses'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('chat', '/api/v1/responses', handleResponses)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
