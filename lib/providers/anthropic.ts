// Anthropic's Messages API (POST /v1/messages) as a chat protocol: OpenAI-shaped requests are
// translated to it and its answers, streamed or not, back to OpenAI's shapes. The translation
// lives beside this file: anthropic-messages.ts and anthropic-request.ts (requests),
// anthropic-response.ts (answers and usage), anthropic-stream.ts (event streams).
import { buildAnthropicRequest } from '@/lib/providers/anthropic-request'
import { anthropicErrorText, parseAnthropicResponse } from '@/lib/providers/anthropic-response'
import { openAnthropicStream } from '@/lib/providers/anthropic-stream'
import type { ProviderAdapter } from '@/lib/providers/types'

export { anthropicUsage } from '@/lib/providers/anthropic-response'

export const anthropic: ProviderAdapter = {
  id: 'anthropic',
  parseError: anthropicErrorText,
  chat: {
    buildRequest: buildAnthropicRequest,
    parseResponse: (json) => parseAnthropicResponse(json),
    openStream: () => openAnthropicStream(),
  },
}
