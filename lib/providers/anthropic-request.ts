// An OpenAI chat completion request → an Anthropic Messages API request. Each OpenAI field is
// translated, ignored because it cannot change the answer, or refused with UntranslatableError
// naming it: a field dropped silently would hand the caller a different call than they made.
import { translateMessages } from '@/lib/providers/anthropic-messages'
import { UntranslatableError, type ChatRequestBody, type HttpCall, type ProviderConfig } from '@/lib/providers/types'

/** Anthropic's API version header: the only stable one, which the official SDK still sends. */
export const ANTHROPIC_VERSION = '2023-06-01'

/** Anthropic requires max_tokens; the gateway always sets one at admission, so this is a safety net. */
export const DEFAULT_MAX_TOKENS = 4096

/**
 * reasoning_effort → extended thinking budget_tokens. The same table Google uses for Gemini's
 * OpenAI endpoint (low 1,024 / medium 8,192 / high 24,576), so one effort means one budget on
 * both translated protocols; 1,024 is Anthropic's minimum, hence `minimal` shares it. `none`
 * sends no thinking. A budget must stay below max_tokens (thinking counts toward it).
 */
export const THINKING_BUDGETS: Record<string, number> = { minimal: 1024, low: 1024, medium: 8192, high: 24_576 }

/** Fields with no effect on the answer: the gateway's own options and OpenAI's storage hints. */
const IGNORED = new Set(['stream_options', 'store', 'metadata', 'service_tier', 'prompt_cache_key'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const given = (v: unknown) => v !== undefined && v !== null

/** OpenAI fields Anthropic has no equivalent for, refused when set to anything but their neutral value. */
const REFUSED: [field: string, active: (v: unknown) => boolean, why: string][] = [
  ['n', (v) => given(v) && v !== 1, 'Anthropic returns one choice per request'],
  ['logprobs', (v) => v === true, 'Anthropic does not return log probabilities'],
  ['top_logprobs', given, 'Anthropic does not return log probabilities'],
  ['logit_bias', (v) => isObject(v) && Object.keys(v).length > 0, 'Anthropic has no logit bias'],
  ['presence_penalty', (v) => given(v) && v !== 0, 'Anthropic has no presence penalty'],
  ['frequency_penalty', (v) => given(v) && v !== 0, 'Anthropic has no frequency penalty'],
  ['seed', given, 'Anthropic has no seeded sampling'],
  ['modalities', (v) => Array.isArray(v) && v.some((m) => m !== 'text'), 'Anthropic answers in text only'],
  ['audio', given, 'Anthropic has no audio output'],
  ['prediction', given, 'Anthropic has no predicted outputs'],
  ['web_search_options', given, "OpenAI's web search is not translated to Anthropic's server tool"],
  ['verbosity', given, 'Anthropic has no verbosity setting'],
  ['functions', given, 'the deprecated functions field is not translated: use tools'],
  ['function_call', given, 'the deprecated function_call field is not translated: use tool_choice'],
]

/** The caller's cap; when none was given (the gateway sets one at admission), room for the answer after any thinking budget. */
function maxTokens(body: ChatRequestBody): number {
  const given = body.max_completion_tokens ?? body.max_tokens
  if (given) return given
  const budget = typeof body.reasoning_effort === 'string' ? (THINKING_BUDGETS[body.reasoning_effort] ?? 0) : 0
  return budget + DEFAULT_MAX_TOKENS
}

function sampling(body: ChatRequestBody): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const { temperature, top_p, top_k } = body
  if (given(temperature)) {
    // OpenAI's range is 0–2, Anthropic's 0–1: rescaling would change what the caller asked for.
    if (typeof temperature !== 'number' || temperature < 0 || temperature > 1)
      throw new UntranslatableError('temperature', 'Anthropic accepts a temperature between 0 and 1')
    out.temperature = temperature
  }
  if (given(top_p)) out.top_p = top_p
  if (given(top_k)) out.top_k = top_k
  return out
}

function stopSequences(stop: unknown): string[] | undefined {
  if (!given(stop)) return undefined
  const list = typeof stop === 'string' ? [stop] : stop
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new UntranslatableError('stop', 'must be a string or an array of strings')
  // Anthropic refuses stop sequences made only of whitespace.
  if (list.some((s) => s.trim() === '')) throw new UntranslatableError('stop', 'Anthropic accepts only stop sequences with a non-whitespace character')
  return list.length ? list : undefined
}

function tools(value: unknown): Record<string, unknown>[] | undefined {
  if (!given(value)) return undefined
  if (!Array.isArray(value)) throw new UntranslatableError('tools', 'must be an array')
  return value.map((tool, i) => {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : undefined
    if (!isObject(tool) || tool.type !== 'function' || !fn) throw new UntranslatableError(`tools[${i}].type`, 'only function tools can be sent to Anthropic')
    if (typeof fn.name !== 'string') throw new UntranslatableError(`tools[${i}].function.name`, 'is required')
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      // A function without parameters takes none; Anthropic requires an object schema.
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
      ...(fn.strict === true ? { strict: true } : {}),
    }
  })
}

function toolChoice(choice: unknown, parallel: unknown): Record<string, unknown> | undefined {
  // parallel_tool_calls: false is Anthropic's disable_parallel_tool_use, which lives on tool_choice.
  const single = parallel === false ? { disable_parallel_tool_use: true } : {}
  if (!given(choice)) return parallel === false ? { type: 'auto', ...single } : undefined
  if (choice === 'auto') return { type: 'auto', ...single }
  if (choice === 'required') return { type: 'any', ...single }
  if (choice === 'none') return { type: 'none' }
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string')
    return { type: 'tool', name: choice.function.name, ...single }
  throw new UntranslatableError('tool_choice', 'Anthropic takes auto, none, required or one named function')
}

/**
 * Structured output. Anthropic's Messages API constrains the answer to a JSON schema with
 * `output_config.format: {type: "json_schema", schema}` (the official SDK types it, and its
 * `messages.parse` helper sends it), and the answer arrives as ordinary text: no forced tool
 * to unwrap, streaming works unchanged, and finish reasons stay honest.
 */
function outputFormat(format: unknown): Record<string, unknown> | undefined {
  if (!given(format)) return undefined
  if (!isObject(format)) throw new UntranslatableError('response_format', 'must be an object')
  if (format.type === 'text') return undefined
  if (format.type === 'json_schema') {
    const spec = isObject(format.json_schema) ? format.json_schema : undefined
    if (!spec || !isObject(spec.schema)) throw new UntranslatableError('response_format.json_schema.schema', 'is required: Anthropic constrains output to a schema')
    return { format: { type: 'json_schema', schema: spec.schema } }
  }
  if (format.type === 'json_object')
    throw new UntranslatableError('response_format', 'Anthropic has no schema-less JSON mode: send response_format {type: "json_schema"} with a schema')
  throw new UntranslatableError('response_format.type', `${String(format.type)} is not translated to Anthropic`)
}

function thinking(body: ChatRequestBody, max: number): Record<string, unknown> | undefined {
  const effort = body.reasoning_effort
  if (given(body.thinking)) {
    // Anthropic's own field, passed as given, for callers who want an exact budget.
    if (given(effort)) throw new UntranslatableError('thinking', 'send either reasoning_effort or thinking, not both')
    if (!isObject(body.thinking)) throw new UntranslatableError('thinking', "must be Anthropic's thinking object")
    return body.thinking
  }
  if (!given(effort) || effort === 'none') return undefined
  const budget = typeof effort === 'string' ? THINKING_BUDGETS[effort] : undefined
  if (!budget) throw new UntranslatableError('reasoning_effort', 'Anthropic takes none, minimal, low, medium or high')
  if (budget >= max)
    throw new UntranslatableError('reasoning_effort', `${effort} reasoning thinks for up to ${budget} tokens, which count toward max_tokens: raise max_tokens above ${budget} (it is ${max})`)
  return { type: 'enabled', budget_tokens: budget }
}

const HANDLED = new Set([
  'model', 'messages', 'stream', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'tools', 'tool_choice',
  'parallel_tool_calls', 'response_format', 'reasoning_effort', 'thinking', 'user', 'safety_identifier',
])

/** Throws for a field with no Anthropic equivalent; unknown fields are refused too (they would be dropped). */
function refuseUntranslatable(body: ChatRequestBody): void {
  for (const [field, active, why] of REFUSED) if (active(body[field])) throw new UntranslatableError(field, why)
  const known = new Set(REFUSED.map(([field]) => field))
  for (const field of Object.keys(body))
    if (!HANDLED.has(field) && !IGNORED.has(field) && !known.has(field) && given(body[field]))
      throw new UntranslatableError(field, 'has no Anthropic equivalent')
}

/** The Anthropic request body for an OpenAI chat body (`model` is already Anthropic's id). */
export function anthropicBody(body: ChatRequestBody): Record<string, unknown> {
  refuseUntranslatable(body)
  if (!Array.isArray(body.messages)) throw new UntranslatableError('messages', 'must be an array')
  const { system, turns } = translateMessages(body.messages)
  const max = maxTokens(body)
  const user = body.safety_identifier ?? body.user
  const stop = stopSequences(body.stop)
  const toolList = tools(body.tools)
  const choice = toolChoice(body.tool_choice, body.parallel_tool_calls)
  const output = outputFormat(body.response_format)
  const think = thinking(body, max)
  return {
    model: body.model,
    max_tokens: max,
    ...(system.length ? { system } : {}),
    messages: turns,
    ...sampling(body),
    ...(stop ? { stop_sequences: stop } : {}),
    ...(toolList ? { tools: toolList } : {}),
    ...(choice ? { tool_choice: choice } : {}),
    ...(output ? { output_config: output } : {}),
    ...(think ? { thinking: think } : {}),
    // Anthropic's opaque end-user id (abuse detection), as OpenAI's `user` is.
    ...(typeof user === 'string' && user !== '' ? { metadata: { user_id: user } } : {}),
    ...(body.stream ? { stream: true } : {}),
  }
}

function trimSlashes(url: string): string {
  let end = url.length
  while (end > 0 && url[end - 1] === '/') end--
  return url.slice(0, end)
}

export function buildAnthropicRequest(body: ChatRequestBody, config: ProviderConfig): HttpCall {
  return {
    method: 'POST',
    url: `${trimSlashes(config.baseUrl)}/v1/messages`,
    headers: { 'x-api-key': config.apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' },
    body: JSON.stringify(anthropicBody(body)),
  }
}
