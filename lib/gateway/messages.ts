import 'server-only'
// POST /api/v1/messages: Anthropic's Messages API on Tollgate. Admitted, metered and streamed
// exactly like a chat completion (same admission and output-cap hold, one usage row, the
// client leaving recorded as client_closed_request). A model whose provider speaks Anthropic's
// protocol gets the request as sent (messages-native.ts); any other is served through its chat
// adapter, translated there and back (lib/protocols/anthropic-inbound*.ts).
import { AppError } from '@/lib/errors'
import { completeChat, refuseUntranslatable } from '@/lib/gateway/chat'
import { streamChat } from '@/lib/gateway/chat-stream'
import { candidateRoutes } from '@/lib/gateway/fallback'
import { forwardMessages, isNativeAnthropic } from '@/lib/gateway/messages-native'
import { relayAsAnthropic } from '@/lib/gateway/messages-stream'
import { admitChat } from '@/lib/gateway/output-cap'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { textRoute } from '@/lib/gateway/routing'
import { countPromptTokens, type ChatMessageLike } from '@/lib/pricing/estimate'
import { toAnthropicMessage, toChatRequest } from '@/lib/protocols/anthropic-inbound'
import { MessagesRequestSchema, type CountTokensRequest, type MessagesRequest } from '@/lib/protocols/anthropic-inbound-schema'
import { openAnthropicStream } from '@/lib/protocols/anthropic-inbound-stream'
import { UpstreamError } from '@/lib/providers/transport'
import { UntranslatableError, type ChatRequestBody } from '@/lib/providers/types'

/** The translation, with what it cannot carry as the caller's 400 naming the field. */
export function translateRequest(request: MessagesRequest | CountTokensRequest, upstreamModel: string) {
  try {
    return toChatRequest(request, upstreamModel)
  } catch (error) {
    if (error instanceof UntranslatableError) throw new AppError('invalid_request', `${error.param}: ${error.message}`, { param: error.param })
    throw error
  }
}

/** Prompt tokens of a translated request as the gateway counts them: messages, tool calls, tool definitions, images. */
export function countTranslatedPrompt(body: ChatRequestBody): number {
  return countPromptTokens(body.messages as ChatMessageLike[], { request: body, models: [body.model] })
}

/** POST /api/v1/messages */
export async function handleMessages(call: GatewayCall): Promise<Response> {
  const { input, route: opened, overrides } = await call.open(MessagesRequestSchema, 'unknown')
  const route = textRoute(opened)
  const { campaign: _campaign, ...request } = input
  void _campaign
  if (isNativeAnthropic(route)) return forwardMessages(call, request, route, overrides)

  // The operator's fallbacks apply as for chat; each route gets the translation for its own model.
  const routes = candidateRoutes(route, undefined, overrides)
  const { body, ignored } = translateRequest(request, route.upstreamModel)
  if (ignored.length) call.responseHeaders['x-tollgate-ignored'] = ignored.join(', ')
  // What the route's own protocol cannot carry is refused before admission holds anything (as chat does).
  refuseUntranslatable(routes, body)
  // max_tokens is required here, so admission holds exactly the caller's cap.
  const admitted = await admitChat(call, body, routes, overrides)
  const id = `msg_${call.requestId.slice('req_'.length)}`
  if (!admitted.stream) {
    const { completion, cost } = await completeChat(call, admitted, routes, overrides)
    const usage = { inputTokens: cost.input_tokens, outputTokens: cost.output_tokens, cachedTokens: cost.cached_tokens, reasoningTokens: cost.reasoning_tokens }
    try {
      return Response.json(toAnthropicMessage(completion, { id, model: input.model, usage }))
    } catch (error) {
      // The model's tool arguments were not JSON: the upstream's fault, and nothing Anthropic's shape can carry.
      throw new UpstreamError('malformed', (error as Error).message)
    }
  }
  // The usage chunk is always asked for: message_delta carries the whole usage at the end.
  const openai = await streamChat(call, { ...admitted, stream_options: { include_usage: true } }, routes, overrides)
  return relayAsAnthropic(openai, openAnthropicStream({ id, model: input.model, promptTokens: countTranslatedPrompt(admitted) }))
}
