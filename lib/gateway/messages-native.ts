import 'server-only'
// /api/v1/messages to a provider that speaks Anthropic's protocol: the caller's request goes
// upstream as sent (only `model` becomes the upstream's id) and the answer comes back as
// Anthropic sent it, so thinking, signatures, citations and cache counts survive. Usage is read
// from Anthropic's own blocks, cache writes at their 5-minute and 1-hour rates.
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { priceTokens } from '@/lib/gateway/chat-usage'
import { streamNative } from '@/lib/gateway/messages-native-stream'
import { admitChat } from '@/lib/gateway/output-cap'
import { countPromptTokens, type ChatMessageLike } from '@/lib/pricing/estimate'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import type { TextRoute } from '@/lib/gateway/routing'
import type { PriceOverride } from '@/lib/pricing/types'
import type { MessagesRequest } from '@/lib/protocols/anthropic-inbound-schema'
import { anthropicUsage } from '@/lib/providers/anthropic'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { ChatMessage, HttpCall } from '@/lib/providers/types'

/** A provider speaking Anthropic's protocol with its key (without one, the simulator serves, in OpenAI's shape). */
export const isNativeAnthropic = (route: TextRoute) => route.protocol === 'anthropic' && route.servedBy !== 'simulator'

/** The version Anthropic's SDK sends; a caller's own anthropic-version is passed on instead. */
const ANTHROPIC_VERSION = '2023-06-01'

/**
 * The request to Anthropic, authenticated with the gateway's key. The caller's
 * anthropic-version and anthropic-beta go along: they choose the wire format and features the
 * caller's client reads.
 */
export function nativeRequest(incoming: Headers, route: TextRoute, path: string, body: Record<string, unknown>): HttpCall {
  const beta = incoming.get('anthropic-beta')
  return {
    method: 'POST',
    url: `${route.config.baseUrl}${path}`,
    headers: {
      'content-type': 'application/json',
      'x-api-key': route.config.apiKey,
      'anthropic-version': incoming.get('anthropic-version') ?? ANTHROPIC_VERSION,
      ...(beta ? { 'anthropic-beta': beta } : {}),
    },
    body: JSON.stringify(body),
  }
}

// Server tools Anthropic bills per use on top of tokens (web search per 1,000 searches, code
// execution per container hour): Tollgate cannot price them, so it refuses them rather than undercharge.
const UNPRICED_TOOL = /^(web_search|code_execution)_/

function refuseUnpriced(request: MessagesRequest): void {
  request.tools?.forEach((tool, i) => {
    if (tool.type && UNPRICED_TOOL.test(tool.type))
      throw new AppError('invalid_request', `tools.${i}.type: ${tool.type} is billed per use by Anthropic, which this gateway cannot price`, { param: `tools.${i}.type` })
  })
  for (const field of ['container', 'service_tier'] as const)
    if (field in request && !(field === 'service_tier' && request[field] === 'standard_only'))
      throw new AppError('invalid_request', `${field}: is not supported by this gateway (it changes billing in ways Tollgate cannot price)`, { param: field })
  // Regional inference is billed at a premium; MCP servers make Anthropic call out on the
  // operator's account. Neither is priced or allowed here.
  for (const field of ['inference_geo', 'mcp_servers'] as const)
    if (field in request) throw new AppError('invalid_request', `${field}: is not supported by this gateway`, { param: field })
  // A file id names a file in the operator's Anthropic workspace, shared by every caller: no caller may read one.
  request.messages.forEach((message, m) => {
    if (typeof message.content === 'string') return
    message.content.forEach((block, b) => {
      const source = (block as { source?: { type?: unknown } }).source
      if (source?.type === 'file' || block.type === 'container_upload')
        throw new AppError('invalid_request', `messages.${m}.content.${b}: files from the provider's Files API are not supported by this gateway`, { param: `messages.${m}.content.${b}` })
    })
  })
}

/**
 * The prompt as chat messages, for the admission estimate only: text counted as text, images
 * and documents as images, every other block (tool calls, results, tool definitions) as its JSON.
 */
function estimatedMessages(request: MessagesRequest): ChatMessage[] {
  const asParts = (content: string | Record<string, unknown>[]) =>
    typeof content === 'string'
      ? content
      : content.map((block) =>
          block.type === 'text' ? { type: 'text', text: block.text } : block.type === 'image' || block.type === 'document' ? { type: 'image' } : { type: 'text', text: JSON.stringify(block) },
        )
  const preamble = [request.system, request.tools].filter((part) => part !== undefined).map((part) => ({ role: 'system', content: typeof part === 'string' ? part : JSON.stringify(part) }))
  return [...preamble, ...request.messages.map((m) => ({ role: m.role, content: asParts(m.content) }))]
}

export async function forwardMessages(call: GatewayCall, request: MessagesRequest, route: TextRoute, overrides: readonly PriceOverride[]): Promise<Response> {
  refuseUnpriced(request)
  // Held for max_tokens, which Anthropic requires and never exceeds (thinking included).
  const messages = estimatedMessages(request)
  await admitChat(call, { model: request.model, messages, max_tokens: request.max_tokens }, route, overrides, { mayWriteCache: JSON.stringify(request).includes('"cache_control"') })
  const upstream = nativeRequest(call.request.headers, route, '/v1/messages', { ...request, model: route.upstreamModel })
  call.servedBy(route, [])
  if (request.stream) return streamNative(call, upstream, route, overrides, countPromptTokens(messages as ChatMessageLike[]))

  const answer = await exchange(route.adapter, upstream, { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal })
  const message = answer.json as { type?: unknown; usage?: unknown } | undefined
  if (!message || message.type !== 'message') throw new UpstreamError('malformed', 'unexpected Messages API response: not a message')
  const usage = anthropicUsage(message.usage)
  if (!usage) throw new UpstreamError('malformed', 'unexpected Messages API response: no usage')
  const cost = priceTokens(route, usage, overrides)
  call.record({ provider: route.servedBy, model: route.upstreamModel, ...cost, response_payload: call.sanitize(message), metadata: { usage_source: 'upstream' } })
  return Response.json(message)
}
