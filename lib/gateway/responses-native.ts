import 'server-only'
// /api/v1/responses on OpenAI itself: the caller's request goes to {OPENAI base}/responses as
// sent (only `model` becomes the upstream id, and the caps admission held are made explicit),
// and OpenAI's answer comes back as it was sent. Usage is read from the final Response; built-in
// tools are priced from its `*_call` items (lib/pricing/tools.ts). Stored responses are
// remembered as the caller's (responses-store.ts), and only the caller's can be continued.
import { env } from '@/lib/env'
import { AppError } from '@/lib/errors'
import { priceTokens } from '@/lib/gateway/chat-usage'
import { admitChat } from '@/lib/gateway/output-cap'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { streamNativeResponses } from '@/lib/gateway/responses-native-stream'
import { openaiCall, ownedResponse, rememberResponse, responseNotFound } from '@/lib/gateway/responses-store'
import type { TextRoute } from '@/lib/gateway/routing'
import { countPromptTokens, estimateChatCost, type ChatMessageLike } from '@/lib/pricing/estimate'
import { formatUsd, parseUsd } from '@/lib/pricing/money'
import { chargeTools, DEFAULT_MAX_TOOL_CALLS, toolAllowance, toolVerdict, type ToolCharge } from '@/lib/pricing/tools'
import type { PriceOverride } from '@/lib/pricing/types'
import type { ResponsesRequest } from '@/lib/protocols/openai-responses-schema'
import { exchange, UpstreamError } from '@/lib/providers/transport'
import type { ChatMessage, TextUsage } from '@/lib/providers/types'

/** OpenAI itself with its key (without one, the simulator serves, through the chat translation). */
export const isNativeOpenAI = (route: TextRoute) => route.provider.id === 'openai' && route.servedBy !== 'simulator'

// Stored objects of the gateway's shared OpenAI account that no caller owns (conversations,
// prompt templates), and options billed in ways Tollgate cannot price or hold (a background
// response runs, and bills, after the call has ended).
const REFUSED = {
  background: 'background responses run after the call ends, beyond what the gateway can meter',
  conversation: 'conversations are stored in the gateway\'s shared account; send previous_response_id or the earlier turns instead',
  prompt: 'prompt templates belong to the gateway\'s shared account and are not supported',
} as const

/** Refuses what cannot be served; answers the context tokens a continued response brings along. */
async function refuseNative(call: GatewayCall, request: ResponsesRequest): Promise<number> {
  const fields = request as Record<string, unknown>
  for (const [field, why] of Object.entries(REFUSED))
    if (fields[field] !== undefined && fields[field] !== null && fields[field] !== false) throw new AppError('invalid_request', `${field}: ${why}`, { param: field })
  const tier = fields.service_tier
  if (tier !== undefined && tier !== null && tier !== 'auto' && tier !== 'default')
    throw new AppError('invalid_request', 'service_tier: is not supported by this gateway (it changes billing in ways Tollgate cannot price)', { param: 'service_tier' })
  request.tools?.forEach((tool, i) => {
    const verdict = toolVerdict(tool, request.model)
    if ('refused' in verdict) throw new AppError('invalid_request', `tools.${i}.type: ${verdict.refused}`, { param: `tools.${i}.type` })
  })
  // A file id names a file of the gateway's shared account: no caller may read one; nor an item
  // reference (an item of someone's stored response). A file URL is fetched and billed by
  // OpenAI (its text and an image of every page) at a size nothing here can bound beforehand.
  if (Array.isArray(request.input))
    request.input.forEach((item, i) => {
      if ((item as { type?: unknown }).type === 'item_reference')
        throw new AppError('invalid_request', `input.${i}.type: item references name items of the gateway's shared account and are not supported; send the items themselves`, { param: `input.${i}.type` })
      const content = (item as { content?: unknown }).content
      if (Array.isArray(content))
        content.forEach((part, j) => {
          if (part && typeof part === 'object' && 'file_id' in part && (part as { file_id?: unknown }).file_id)
            throw new AppError('invalid_request', `input.${i}.content.${j}.file_id: files of the provider's Files API are not supported by this gateway`, { param: `input.${i}.content.${j}.file_id` })
          if (part && typeof part === 'object' && 'file_url' in part && (part as { file_url?: unknown }).file_url)
            throw new AppError('invalid_request', `input.${i}.content.${j}.file_url: a file the provider fetches is billed at a size the gateway cannot hold for beforehand; send it as file_data`, { param: `input.${i}.content.${j}.file_url` })
        })
    })
  const previous = request.previous_response_id
  if (!previous) return 0
  const owned = await ownedResponse(call.identity.userId, previous)
  if (!owned) throw responseNotFound(previous, 'previous_response_id')
  return owned.contextTokens
}

/** The prompt as chat messages, for the admission estimate only: text as text, images as images, every other item as its JSON. */
export function estimatedMessages(request: ResponsesRequest): ChatMessage[] {
  const messages: ChatMessage[] = []
  for (const part of [request.instructions, request.tools?.length ? request.tools : null, request.text?.format ?? null]) if (part) messages.push({ role: 'system', content: typeof part === 'string' ? part : JSON.stringify(part) })
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input })
  for (const item of Array.isArray(request.input) ? request.input : []) {
    const content = (item as { content?: unknown }).content
    if (typeof content === 'string') messages.push({ role: 'user', content })
    else if (Array.isArray(content))
      messages.push({
        role: 'user',
        content: content.map((p: { type?: unknown; text?: unknown }) => (typeof p?.text === 'string' ? { type: 'text', text: p.text } : p?.type === 'input_image' ? { type: 'image' } : { type: 'text', text: JSON.stringify(p) })),
      })
    else messages.push({ role: 'user', content: JSON.stringify(item) })
  }
  return messages
}

/** Responses usage in the gateway's normalised counting (OpenAI's: cached ⊂ input, reasoning ⊂ output). */
export function fromResponsesUsage(usage: unknown): TextUsage | null {
  const u = usage as { input_tokens?: unknown; output_tokens?: unknown; input_tokens_details?: { cached_tokens?: unknown }; output_tokens_details?: { reasoning_tokens?: unknown } } | null
  if (!u || typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number') return null
  const count = (v: unknown) => (typeof v === 'number' ? v : 0)
  return { inputTokens: u.input_tokens, outputTokens: u.output_tokens, cachedTokens: count(u.input_tokens_details?.cached_tokens), reasoningTokens: count(u.output_tokens_details?.reasoning_tokens) }
}

/** The row's cost: the tokens at the model's rates plus the built-in tools' calls, their breakdown in the snapshot. */
export function priceResponse(route: TextRoute, usage: TextUsage, overrides: readonly PriceOverride[], request: ResponsesRequest, output: unknown[], served?: string) {
  const cost = priceTokens(route, usage, overrides, served)
  const tools = chargeTools(request.tools ?? [], output, request.model)
  if (!tools.charges.length) return cost
  const sum = (a: string | null) => (a === null ? null : formatUsd(parseUsd(a) + parseUsd(tools.total)))
  const snapshot = { ...(cost.price_snapshot as object | null), tools: tools.charges satisfies ToolCharge[] }
  return { ...cost, generation_cost: sum(cost.generation_cost ?? '0'), total_cost: sum(cost.total_cost), price_snapshot: snapshot }
}

/** What one built-in tool use may bring into the context (web search's fixed block on mini models is 8,000 tokens). */
const TOOL_RESULT_TOKENS = 8_000

export async function forwardResponses(call: GatewayCall, request: ResponsesRequest, route: TextRoute, overrides: readonly PriceOverride[]): Promise<Response> {
  const carried = await refuseNative(call, request)
  const messages = estimatedMessages(request)
  // Built-in tools are held for max_tool_calls uses (the caller's, or the gateway's default, sent
  // upstream so OpenAI cannot run more than was held).
  const builtIn = (request.tools ?? []).filter((t) => t.type !== 'function' && t.type !== 'custom')
  const toolUses = builtIn.length ? (request.max_tool_calls ?? DEFAULT_MAX_TOOL_CALLS) : null
  // A continued response bills the earlier turns (their input and output) as input again; and
  // each built-in tool use is one more model turn at OpenAI, billing the context so far again as
  // input plus what the tool brought back (a search's content: up to a fixed 8,000-token block).
  // Both are held as input tokens, on top of the prompt and the output cap admitChat holds.
  const promptTokens = countPromptTokens(messages as ChatMessageLike[])
  const perToolTurn = promptTokens + carried + (request.max_output_tokens ?? 0) + TOOL_RESULT_TOKENS
  const extraInput = carried + (toolUses ?? 0) * perToolTurn
  const extraInputCost = extraInput ? estimateChatCost({ ...route.text, overrides }, extraInput, 0).totalCost : '0'
  const extraHold = formatUsd(parseUsd(toolUses ? toolAllowance(builtIn, request.model, toolUses) : '0') + parseUsd(extraInputCost ?? '0'))
  const admitted = await admitChat(call, { model: request.model, messages, max_completion_tokens: request.max_output_tokens ?? null }, route, overrides, { extraHold, extraTokens: extraInput })
  const body = { ...request, model: route.upstreamModel, max_output_tokens: admitted.max_completion_tokens, ...(toolUses ? { max_tool_calls: toolUses } : {}) }
  const upstream = openaiCall(route.config, 'POST', '/responses', body)
  call.servedBy(route, [])
  const stored = request.store !== false
  if (request.stream) return streamNativeResponses(call, upstream, { route, overrides, request, stored, promptTokens: promptTokens + carried })

  const answer = await exchange(route.adapter, upstream, { timeoutMs: env.UPSTREAM_TIMEOUT_MS, signal: call.request.signal })
  const response = answer.json as { object?: unknown; id?: unknown; usage?: unknown; output?: unknown; model?: unknown; status?: unknown } | undefined
  if (!response || response.object !== 'response') throw new UpstreamError('malformed', 'unexpected Responses API answer: not a response')
  const usage = fromResponsesUsage(response.usage)
  if (!usage) throw new UpstreamError('malformed', 'unexpected Responses API answer: no usage')
  if (stored) await rememberResponse(call.identity.userId, response.id, call.requestId, route.upstreamModel, usage.inputTokens + usage.outputTokens)
  const cost = priceResponse(route, usage, overrides, request, Array.isArray(response.output) ? response.output : [], typeof response.model === 'string' ? response.model : undefined)
  call.record({
    provider: route.servedBy,
    model: route.upstreamModel,
    ...cost,
    error_code: response.status === 'failed' ? 'upstream_error' : null,
    response_payload: call.sanitize(response),
    metadata: { usage_source: 'upstream', response_id: response.id },
  })
  return Response.json(response)
}
