// POST /api/v1/messages — Anthropic's Messages API (the official SDK with baseURL …/api), streamed or not, metered.
import { handleMessages } from '@/lib/gateway/messages'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { anthropicErrorResponse } from '@/lib/protocols/anthropic-errors'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('chat', '/api/v1/messages', handleMessages, anthropicErrorResponse)

const notAllowed = methodNotAllowed(['POST'], anthropicErrorResponse)
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
