import 'server-only'
// POST /api/v1/messages/count_tokens. Not metered: Anthropic's endpoint is free, and counting
// locally costs no vendor anything, so a usage row would book a call that bills nothing and
// spend a request of the caller's plan on a question about its prompt. It is authenticated
// like every gateway call, the model must be one this deployment serves, and each count spends
// one request of the caller's chat rate (as a refused call does): free is not unlimited, and a
// count forwarded to Anthropic spends the operator's own count_tokens rate there.
import { env } from '@/lib/env'
import { countRefusal } from '@/lib/gateway/admission'
import { countTranslatedPrompt, translateRequest } from '@/lib/gateway/messages'
import { isNativeAnthropic, nativeRequest } from '@/lib/gateway/messages-native'
import { routeModel, textRoute } from '@/lib/gateway/routing'
import { readJson, BODY_LIMITS } from '@/lib/http/body'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import { CountTokensRequestSchema } from '@/lib/protocols/anthropic-inbound-schema'
import { exchange, UpstreamError } from '@/lib/providers/transport'

/**
 * An anthropic-protocol provider with a key counts exactly (its own endpoint); anything else is
 * counted with the gateway's tokenizer on the translated prompt, and says so:
 * `x-tollgate-token-count: estimate` (o200k, the tokenizer admission estimates with).
 */
export async function countMessageTokens(request: Request, userId: string): Promise<Response> {
  const limited = await countRefusal(userId, 'chat')
  if (limited) throw limited
  const body = await readJson(request, CountTokensRequestSchema, BODY_LIMITS.gateway)
  const { campaign: _campaign, ...prompt } = body
  void _campaign
  const route = textRoute(routeModel('chat', body.model, await listPriceOverrides()))
  const headers = { 'x-tollgate-provider': route.servedBy }
  if (isNativeAnthropic(route)) {
    const answer = await exchange(route.adapter, nativeRequest(request.headers, route, '/v1/messages/count_tokens', { ...prompt, model: route.upstreamModel }), {
      timeoutMs: env.UPSTREAM_TIMEOUT_MS,
      signal: request.signal,
    })
    const counted = (answer.json as { input_tokens?: unknown } | undefined)?.input_tokens
    if (typeof counted !== 'number') throw new UpstreamError('malformed', 'unexpected count_tokens response')
    return Response.json({ input_tokens: counted }, { headers: { ...headers, 'x-tollgate-token-count': 'exact' } })
  }
  const { body: translated } = translateRequest(prompt, route.upstreamModel)
  return Response.json({ input_tokens: countTranslatedPrompt(translated) }, { headers: { ...headers, 'x-tollgate-token-count': 'estimate' } })
}
