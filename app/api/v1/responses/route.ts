// POST /api/v1/responses — OpenAI's Responses API (client.responses.create), streamed or not, metered as chat.
import { handleResponses } from '@/lib/gateway/responses'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('chat', '/api/v1/responses', handleResponses)
