import 'server-only'
// POST /api/v1/responses: OpenAI's Responses API on Tollgate. Admitted, metered and streamed
// like a chat completion (the same admission and output-cap hold, one usage row, the client
// leaving recorded as client_closed_request). OpenAI's own models go to OpenAI's Responses API
// as sent (responses-native.ts); any other model (Claude, Gemini, hosts, the simulator) is
// served through its chat adapter, translated there and back (lib/protocols/openai-responses*.ts).
import { randomBytes } from 'node:crypto'
import { AppError } from '@/lib/errors'
import { completeChat, refuseUntranslatable } from '@/lib/gateway/chat'
import { streamChat } from '@/lib/gateway/chat-stream'
import { candidateRoutes } from '@/lib/gateway/fallback'
import { countTranslatedPrompt } from '@/lib/gateway/messages'
import { admitChat } from '@/lib/gateway/output-cap'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { forwardResponses, isNativeOpenAI } from '@/lib/gateway/responses-native'
import { relayAsResponses } from '@/lib/gateway/responses-stream'
import { textRoute } from '@/lib/gateway/routing'
import { toChatRequest, toResponse, type ResponseFrame } from '@/lib/protocols/openai-responses'
import { ResponsesRequestSchema, type ResponsesRequest } from '@/lib/protocols/openai-responses-schema'
import { openResponsesStream } from '@/lib/protocols/openai-responses-stream'
import { UntranslatableError } from '@/lib/providers/types'

/** The translation, with what it cannot carry as the caller's 400 naming the field. */
export function translateResponsesRequest(request: ResponsesRequest, upstreamModel: string) {
  try {
    return toChatRequest(request, upstreamModel)
  } catch (error) {
    if (error instanceof UntranslatableError) throw new AppError('invalid_request', `${error.param}: ${error.message}`, { param: error.param })
    throw error
  }
}

/** POST /api/v1/responses */
export async function handleResponses(call: GatewayCall): Promise<Response> {
  const { input, route: opened, overrides } = await call.open(ResponsesRequestSchema, 'unknown')
  const route = textRoute(opened)
  const { campaign: _campaign, ...request } = input
  void _campaign
  if (isNativeOpenAI(route)) return forwardResponses(call, request, route, overrides)

  // The operator's fallbacks apply as for chat; each route gets the translation for its own model.
  const routes = candidateRoutes(route, undefined, overrides)
  const { body, ignored } = translateResponsesRequest(request, route.upstreamModel)
  if (ignored.length) call.responseHeaders['x-tollgate-ignored'] = ignored.join(', ')
  // What the route's own protocol cannot carry is refused before admission holds anything (as chat does).
  refuseUntranslatable(routes, body)
  const admitted = await admitChat(call, body, routes, overrides)
  // The answer names the cap it ran under (admission may have chosen it), as OpenAI echoes it.
  const frame: ResponseFrame = {
    id: `resp_${randomBytes(24).toString('hex')}`,
    model: input.model,
    createdAt: Math.floor(call.receivedAt.getTime() / 1000),
    request: { ...request, max_output_tokens: admitted.max_completion_tokens ?? request.max_output_tokens },
  }
  if (!admitted.stream) {
    const { completion, cost } = await completeChat(call, admitted, routes, overrides)
    const usage = { inputTokens: cost.input_tokens, outputTokens: cost.output_tokens, cachedTokens: cost.cached_tokens, reasoningTokens: cost.reasoning_tokens }
    return Response.json(toResponse(completion, frame, usage))
  }
  // The usage chunk is always asked for: response.completed carries the whole usage.
  const chat = await streamChat(call, { ...admitted, stream_options: { include_usage: true } }, routes, overrides)
  return relayAsResponses(chat, openResponsesStream(frame), countTranslatedPrompt(admitted))
}
