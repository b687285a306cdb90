// POST /api/v1/chat/completions — OpenAI-compatible chat, streamed or not, metered.
import { handleChatCompletions } from '@/lib/gateway/chat'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('chat', '/api/v1/chat/completions', handleChatCompletions)
