// An OpenAI chat completion request as a Gemini generateContent request. Every field is either
// translated, accepted because it cannot change the answer, or refused with UntranslatableError
// naming it: a field dropped silently would hand the caller a different call than they made.
import { geminiContents } from '@/lib/providers/gemini-content'
import { UntranslatableError, type ChatRequestBody, type HttpCall, type ProviderConfig } from '@/lib/providers/types'

/** Fields that cannot change the answer (bookkeeping and hints): accepted, not sent. */
const IGNORED = new Set(['model', 'messages', 'stream', 'stream_options', 'user', 'metadata', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'models'])

/**
 * reasoning_effort as Gemini 2.x thinking budgets: Google's own OpenAI endpoint's table
 * (ai.google.dev/gemini-api/docs/openai: low 1,024, medium 8,192, high 24,576, none off;
 * minimal as low). Gemini 3 takes a thinking level instead, and cannot switch thinking off.
 */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24_576 }
const LEVELS: Record<string, string> = { minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const present = (v: unknown) => v !== undefined && v !== null

function thinkingConfig(effort: unknown, model: string) {
  if (typeof effort !== 'string') throw new UntranslatableError('reasoning_effort', 'must be a string')
  if (/^gemini-[12]\./.test(model)) {
    const budget = BUDGETS[effort]
    if (budget === undefined) throw new UntranslatableError('reasoning_effort', `"${effort}" has no Gemini thinking budget (none, minimal, low, medium, high)`)
    // Thought summaries come back as reasoning_content; the caller asked to see the reasoning.
    return budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true }
  }
  const level = LEVELS[effort]
  if (!level) throw new UntranslatableError('reasoning_effort', `"${effort}" has no Gemini thinking level (minimal, low, medium, high; Gemini 3 cannot turn thinking off)`)
  return { thinkingLevel: level, includeThoughts: true }
}

type Tool = { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown } }

function tools(list: unknown) {
  if (!Array.isArray(list)) throw new UntranslatableError('tools', 'must be an array')
  return list.map((tool: Tool, k) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string') throw new UntranslatableError(`tools[${k}].type`, 'only function tools translate to Gemini')
    const f = tool.function
    // parametersJsonSchema takes plain JSON Schema; `parameters` would need OpenAPI's subset.
    return { name: f.name, ...(present(f.description) ? { description: f.description } : {}), ...(present(f.parameters) ? { parametersJsonSchema: f.parameters } : {}) }
  })
}

function functionCalling(choice: unknown, strict: boolean) {
  // Gemini's VALIDATED mode is AUTO with the arguments held to the schema: what strict asks.
  const auto = strict ? 'VALIDATED' : 'AUTO'
  if (choice === undefined || choice === null || choice === 'auto') return { mode: auto }
  if (choice === 'none') return { mode: 'NONE' }
  if (choice === 'required') return { mode: 'ANY' }
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string')
    return { mode: 'ANY', allowedFunctionNames: [choice.function.name] }
  throw new UntranslatableError('tool_choice', 'Gemini takes auto, none, required or one named function')
}

function responseFormat(format: unknown) {
  if (!isObject(format)) throw new UntranslatableError('response_format', 'must be an object')
  if (format.type === 'text') return {}
  if (format.type === 'json_object') return { responseMimeType: 'application/json' }
  if (format.type === 'json_schema') {
    const schema = isObject(format.json_schema) ? format.json_schema.schema : undefined
    if (!isObject(schema)) throw new UntranslatableError('response_format.json_schema.schema', 'is required (Gemini constrains output to a JSON Schema)')
    return { responseMimeType: 'application/json', responseJsonSchema: schema }
  }
  throw new UntranslatableError('response_format.type', `${JSON.stringify(format.type)} has no Gemini equivalent`)
}

const number = (body: ChatRequestBody, field: string): number => {
  const v = body[field]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UntranslatableError(field, 'must be a number')
  return v
}

const NUMBERS: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'topP',
  seed: 'seed',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  n: 'candidateCount',
}

/**
 * The request body. Refused: fields Gemini has no equivalent for that change the answer or what
 * comes back (logprobs, logit_bias, audio output, predicted outputs, web search, verbosity,
 * parallel_tool_calls: false with tools, stored completions, the legacy functions API).
 */
export function geminiBody(body: ChatRequestBody): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  const request: Record<string, unknown> = geminiContents(body.messages)
  const refuse = (field: string, why: string): never => {
    throw new UntranslatableError(field, why)
  }
  for (const [field, value] of Object.entries(body)) {
    if (IGNORED.has(field) || value === null || value === undefined) continue
    // Numbers with a generationConfig name of their own, carried as they are.
    if (Object.hasOwn(NUMBERS, field)) {
      config[NUMBERS[field]] = number(body, field)
      continue
    }
    switch (field) {
      case 'max_tokens':
      case 'max_completion_tokens':
        config.maxOutputTokens = number(body, present(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens')
        break
      case 'stop':
        config.stopSequences = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((s) => typeof s === 'string') ? value : refuse(field, 'must be a string or an array of strings')
        break
      case 'response_format':
        Object.assign(config, responseFormat(value))
        break
      case 'reasoning_effort':
        config.thinkingConfig = thinkingConfig(value, body.model)
        break
      case 'tools':
        if (Array.isArray(value) && value.length) request.tools = [{ functionDeclarations: tools(value) }]
        break
      case 'tool_choice':
        break
      case 'parallel_tool_calls':
        // Gemini may always answer several calls at once; "at most one" cannot be asked for.
        if (value === false && Array.isArray(body.tools) && body.tools.length) refuse(field, 'Gemini cannot be limited to one tool call per turn')
        break
      case 'logprobs':
        if (value !== false) refuse(field, 'log probabilities are not translated for Gemini')
        break
      case 'top_logprobs':
        if (value !== 0) refuse(field, 'log probabilities are not translated for Gemini')
        break
      case 'logit_bias':
        if (!isObject(value) || Object.keys(value).length) refuse(field, 'Gemini has no token biases')
        break
      case 'modalities':
        if (!Array.isArray(value) || value.some((m) => m !== 'text')) refuse(field, 'only text output translates to Gemini chat (image models answer images unasked)')
        break
      case 'store':
        if (value !== false) refuse(field, 'Gemini does not store completions for OpenAI\'s dashboard')
        break
      case 'service_tier':
        if (value !== 'auto' && value !== 'default') refuse(field, 'Gemini has no service tiers')
        break
      case 'functions':
      case 'function_call':
        refuse(field, 'the legacy functions API is not translated: use tools and tool_choice')
        break
      default:
        refuse(field, `${field} has no Gemini equivalent`)
    }
  }
  const tooled = Array.isArray(body.tools) && body.tools.length > 0
  if (tooled || present(body.tool_choice)) {
    const strict = tooled && (body.tools as Tool[]).some((t) => t?.function?.strict === true)
    request.toolConfig = { functionCallingConfig: functionCalling(body.tool_choice, strict) }
  }
  if (Object.keys(config).length) request.generationConfig = config
  return request
}

/** POST …/models/{model}:generateContent, or the SSE stream. The key goes in a header: URLs get logged. */
export function geminiRequest(body: ChatRequestBody, config: ProviderConfig): HttpCall {
  const model = encodeURIComponent(body.model)
  const method = body.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  return {
    method: 'POST',
    url: `${config.baseUrl}/v1beta/models/${model}:${method}`,
    headers: { 'x-goog-api-key': config.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(geminiBody(body)),
  }
}
