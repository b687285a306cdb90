// POST /api/v1/chat/completions — OpenAI-compatible chat, streamed or not, metered.
import { handleChatCompletions } from '@/lib/gateway/chat'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('chat', '/api/v1/chat/completions', handleChatCompletions)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
