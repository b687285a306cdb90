import 'server-only'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import type { TextRoute } from '@/lib/gateway/routing'
import { countPromptTokens, defaultOutputCap, estimateChatCost, largestOutputWithin, type ChatMessageLike } from '@/lib/pricing/estimate'
import type { PriceOverride } from '@/lib/pricing/types'
import { formatUsd, parseUsd, type Usd } from '@/lib/pricing/money'
import type { ChatRequestBody } from '@/lib/providers/types'

// Below this many tokens per answer, a cap chosen to squeeze a call into what is left of a budget
// would mostly buy cut-off answers: the call is refused instead. (A caller who wants less asks
// for it with max_tokens, and is admitted if that fits.)
const MIN_CHOSEN_OUTPUT = 256

/**
 * Admission for a chat call, holding the most it can cost: the prompt plus the output cap of
 * each of its n answers. The caller's cap (max_completion_tokens or max_tokens) is held as
 * given. With none, the gateway chooses one (the model's default, or less when a hard budget
 * has less room left), holds for exactly that, and returns the body with it as
 * max_completion_tokens (the field every OpenAI model takes; reasoning models refuse
 * max_tokens), so the upstream cannot write, and bill, more than was held.
 */
export async function admitChat(
  call: GatewayCall,
  body: ChatRequestBody,
  route: TextRoute | readonly TextRoute[],
  overrides: readonly PriceOverride[],
  options: { mayWriteCache?: boolean; /** Held on top of the tokens: built-in tools' per-call allowance (lib/pricing/tools.ts). */ extraHold?: string; /** Tokens beyond the prompt the call bills as input (a continued response's context): counted against tokens per minute. */ extraTokens?: number } = {},
): Promise<ChatRequestBody> {
  // Several routes when fallbacks may serve the call: it holds what the dearest could cost, and
  // the cap it chooses must fit every one of them.
  const routes = Array.isArray(route) ? (route as readonly TextRoute[]) : [route as TextRoute]
  const choices = body.n ?? 1
  // Each model as routing resolved it: its rates and context window, no second lookup.
  const pricings = routes.map((r) => ({ ...r.text, overrides }))
  // A prompt that may be written to Anthropic's cache costs up to 2× input (a 1-hour write):
  // held as twice as long, so a hard budget still holds whatever TTL the caller chose.
  const writesCache = options.mayWriteCache ?? (routes.some((r) => r.provider.protocol === 'anthropic') && JSON.stringify(body.messages).includes('"cache_control"'))
  // The prompt as the dearest route would count it: tools and tool calls, images at that model's
  // tile price. Counted only when something needs it (work that grows with the prompt): a
  // call with its own cap admitted from a quota lease under no budget and no tokens-per-minute
  // limit never counts it (lib/gateway/lease.ts asks for the estimate only when one binds).
  let counted: number | undefined
  const promptTokens = () => (counted ??= countPromptTokens(body.messages as ChatMessageLike[], { request: body, models: routes.map((r) => r.upstreamModel) }))
  const heldPrompt = () => promptTokens() * (writesCache ? 2 : 1)
  const extra = parseUsd(options.extraHold ?? '0')
  const hold = (perChoice: number) => plus(dearest(pricings.map((p) => estimateChatCost(p, heldPrompt(), perChoice * choices).totalCost)), extra)
  // What the call may use of the tokens-per-minute limit: the prompt and every answer's cap
  // (settlement books the actual count instead).
  const tokens = (perChoice: number) => promptTokens() + (options.extraTokens ?? 0) + perChoice * choices
  // Without counting: an o200k token is at least one UTF-8 byte, at most 3 per UTF-16 unit, and
  // the JSON around the text (quotes, keys, braces) outweighs the chat framing's few tokens a
  // message. Images and audio are priced by size, not characters: no bound for them.
  const atMost = call.bodyChars !== null && textOnly(body.messages) ? (perChoice: number) => 3 * call.bodyChars! + (options.extraTokens ?? 0) + perChoice * choices : null
  const given = body.max_completion_tokens ?? body.max_tokens
  if (given) {
    await call.admit(1, () => hold(given), undefined, () => tokens(given), atMost ? () => atMost(given) : undefined)
    return body
  }
  // Anthropic requires max_tokens: its models default to their own limit, within the held budget.
  const preferred = Math.min(...routes.map((r) => defaultOutputCap(r.text, promptTokens(), { upToModelLimit: r.provider.protocol === 'anthropic' })))
  let cap = preferred
  await call.admit(1, hold(preferred), (room) => {
    const left = parseUsd(room) - extra
    if (left <= 0n) return null
    const each = pricings.map((p) => largestOutputWithin(p, heldPrompt(), choices, formatUsd(left), preferred))
    if (each.some((f) => f === null)) return null
    const fits = Math.min(...(each as number[]))
    if (fits < Math.min(MIN_CHOSEN_OUTPUT, preferred)) return null
    cap = fits
    return hold(fits)
  }, () => tokens(cap))
  // Said in a header too: an answer cut by it ends with finish_reason "length".
  call.responseHeaders['x-tollgate-max-completion-tokens'] = String(cap)
  return { ...body, max_completion_tokens: cap }
}

/** Whether every message is text alone (no image, audio or file part, whose tokens its characters do not bound). */
function textOnly(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false
  return messages.every((m) => {
    const content = (m as { content?: unknown } | null)?.content
    return !Array.isArray(content) || content.every((part) => (part as { type?: unknown } | null)?.type === 'text')
  })
}

/** The largest of several estimates; null (unpriced) if any is, as admission then holds no budget. */
function dearest(costs: (string | null)[]): string | null {
  if (costs.some((c) => c === null)) return null
  return costs.reduce((a, b) => (parseUsd(b!) > parseUsd(a!) ? b : a))
}

const plus = (cost: string | null, extra: Usd): string | null => (cost === null || extra === 0n ? cost : formatUsd(parseUsd(cost) + extra))
