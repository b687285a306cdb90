import 'server-only'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import type { TextRoute } from '@/lib/gateway/routing'
import { countPromptTokens, defaultOutputCap, estimateChatCost, largestOutputWithin, type ChatMessageLike } from '@/lib/pricing/estimate'
import type { PriceOverride } from '@/lib/pricing/types'
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
export async function admitChat(call: GatewayCall, body: ChatRequestBody, route: TextRoute, overrides: readonly PriceOverride[]): Promise<ChatRequestBody> {
  const choices = body.n ?? 1
  // The model as routing resolved it: its rates and context window, no second lookup.
  const pricing = { ...route.text, overrides }
  const promptTokens = countPromptTokens(body.messages as ChatMessageLike[])
  const hold = (perChoice: number) => estimateChatCost(pricing, promptTokens, perChoice * choices).totalCost
  const given = body.max_completion_tokens ?? body.max_tokens
  if (given) {
    await call.admit(1, hold(given))
    return body
  }
  const preferred = defaultOutputCap(route.text, promptTokens)
  let cap = preferred
  await call.admit(1, hold(preferred), (room) => {
    const fits = largestOutputWithin(pricing, promptTokens, choices, room, preferred)
    if (fits === null || fits < Math.min(MIN_CHOSEN_OUTPUT, preferred)) return null
    cap = fits
    return hold(fits)
  })
  // Said in a header too: an answer cut by it ends with finish_reason "length".
  call.responseHeaders['x-tollgate-max-completion-tokens'] = String(cap)
  return { ...body, max_completion_tokens: cap }
}
