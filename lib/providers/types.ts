// The one contract every vendor adapter implements. Adapters are data plus pure functions:
// they build HTTP requests and parse responses; lib/providers/transport.ts does the I/O. They
// never touch the database and import nothing but this file.

/**
 * Who serves a call: a text provider of the registry (lib/providers/text-providers.ts: built-in
 * or an operator's), a media vendor, or 'simulator'. Text providers are data, so this is a string.
 */
export type ProviderId = string

/** The wire protocols chat adapters speak: every OpenAI-compatible host shares 'openai'. */
export type Protocol = 'openai' | 'anthropic' | 'gemini'

/**
 * What an adapter needs to build a request. `quirks` are the few ways an OpenAI-compatible
 * host's answers differ from OpenAI's (its preset in the registry says which apply).
 */
export type ProviderConfig = {
  apiKey: string
  baseUrl: string
  quirks?: { /** xAI: completion_tokens excludes reasoning_tokens (billed on top). */ reasoningOutsideCompletion?: boolean }
}

/**
 * A request the gateway cannot translate faithfully into the vendor's protocol (a field the
 * vendor has no equivalent for). Answered as 400 invalid_request naming `param`: dropping the
 * field silently would hand the caller a different call than the one they made.
 */
export class UntranslatableError extends Error {
  constructor(
    /** The request field, as a path in the caller's body (`response_format`, `messages[2].content[0].type`). */
    readonly param: string,
    message: string,
  ) {
    super(message)
  }
}

export type HttpCall = {
  method: 'GET' | 'POST' | 'DELETE'
  /** Absolute URL. */
  url: string
  headers: Record<string, string>
  body?: string | FormData
}

// ---- Chat (OpenAI's shapes: the gateway's lingua franca; adapters translate to and from them) --

export type ChatMessage = { role: string; content: unknown; name?: string; [field: string]: unknown }

/** A chat completion request body as OpenAI defines it; unknown fields pass through. */
export type ChatRequestBody = {
  model: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage?: boolean; [field: string]: unknown } | null
  max_tokens?: number | null
  max_completion_tokens?: number | null
  n?: number | null
  [field: string]: unknown
}

/**
 * Token usage, normalised from each vendor's counting to OpenAI's: every part is a subset of
 * its total, so nothing is counted twice. Pricing (lib/pricing/text.ts `fromTextUsage`) splits
 * it into disjoint parts priced at their own rates.
 */
export type TextUsage = {
  /** Every prompt token: uncached, cache reads and cache writes. */
  inputTokens: number
  /** Every generated token: text, reasoning/thinking and image output. */
  outputTokens: number
  /** Cache reads, ⊂ inputTokens. */
  cachedTokens: number
  /** Reasoning/thinking tokens, ⊂ outputTokens (billed as output, once). */
  reasoningTokens: number
  /** Cache writes at the 5-minute rate (Anthropic), ⊂ inputTokens. */
  cacheWriteTokens?: number
  /** Cache writes at the 1-hour rate (Anthropic), ⊂ inputTokens. */
  cacheWrite1hTokens?: number
  /** Image-output tokens (Gemini image models), ⊂ outputTokens, at their own rate. */
  outputImageTokens?: number
}

export type ChatCompletion = {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: { index: number; message: { role: 'assistant'; content: string | null; [f: string]: unknown }; finish_reason: string | null; [f: string]: unknown }[]
  usage?: OpenAIUsage | null
  [field: string]: unknown
}

export type ChatChunk = {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: { index: number; delta: { role?: string; content?: string | null; [f: string]: unknown }; finish_reason: string | null; [f: string]: unknown }[]
  usage?: OpenAIUsage | null
  [field: string]: unknown
}

export type OpenAIUsage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number } | null
  completion_tokens_details?: { reasoning_tokens?: number } | null
}

/**
 * One event of a chat stream, in OpenAI's shape. `usage` rides on the chunk that reported it
 * (OpenAI's final usage-only chunk, with `choices: []`), already normalised.
 */
export type StreamEvent = { kind: 'chunk'; chunk: ChatChunk; usage?: TextUsage } | { kind: 'done' } | { kind: 'error'; message: string }

/** Translates one upstream stream; made per call (a vendor's events need the ones before them). */
export type ChatStreamTranslator = {
  /** `data` is the text after "data: " of one SSE event; throws on an event it cannot read. */
  next(data: string): StreamEvent[]
  /** The upstream body ended: what the translator still owes (Gemini's stream has no terminator). */
  end(): StreamEvent[]
}

/**
 * A chat protocol. Requests arrive in OpenAI's shape with `model` already the upstream's id;
 * answers leave in OpenAI's shape. Pure functions: no I/O, no database, no clock but Date.now.
 */
export type ChatAdapter = {
  /** Throws UntranslatableError for a field the protocol cannot carry. */
  buildRequest(body: ChatRequestBody, config: ProviderConfig): HttpCall
  /** The vendor's JSON answer as an OpenAI completion, and its usage (null when it sent none). */
  parseResponse(json: unknown, config: ProviderConfig): { completion: ChatCompletion; usage: TextUsage | null }
  /** A translator for one stream. The request always asks the upstream for usage where it can. */
  openStream(config: ProviderConfig): ChatStreamTranslator
}

// ---- Images -------------------------------------------------------------------------------

export type ImageRequest = {
  model: string
  prompt: string
  n: number
  size?: string
  quality?: string
  /** What the caller wants back; vendors that only return bytes always give b64_json. */
  responseFormat: 'url' | 'b64_json'
  extra: Record<string, unknown>
}

export type GeneratedImage = { url?: string; b64_json?: string; revised_prompt?: string }

export type ImageResult = {
  images: GeneratedImage[]
  /** What was actually produced, for pricing (the vendor may resolve "auto"). */
  size?: string
  quality?: string
  /** Token usage, for vendors that bill images in tokens (gpt-image-1). */
  tokenUsage?: { inputTextTokens: number; inputImageTokens: number; outputImageTokens: number }
  /** Set when the vendor blocked or blurred the output. */
  contentFiltered?: boolean
}

/** A step of an image generation: either done, or an asynchronous job to poll. */
export type ImageStep = { done: true; result: ImageResult } | { done: false; poll: HttpCall }

export type ImageAdapter = {
  /** Most images one request can ask for (BFL and Stability make one); the gateway sends several requests for more. */
  imagesPerRequest?: number
  buildRequest(req: ImageRequest, config: ProviderConfig): HttpCall
  /** Parses the create response (JSON, or raw bytes with their content type). */
  parseResponse(body: ParsedBody, req: ImageRequest, config: ProviderConfig): ImageStep
  /** For asynchronous vendors (BFL): parses the answer to `poll`; polling again reuses that call. */
  parsePoll?(body: ParsedBody, req: ImageRequest, config: ProviderConfig, poll: HttpCall): ImageStep
}

// ---- Video --------------------------------------------------------------------------------

export type VideoRequest = {
  model: string
  prompt: string
  seconds: number
  resolution?: string
  aspectRatio?: string
  imageUrl?: string
  extra: Record<string, unknown>
}

export type VideoState = 'queued' | 'running' | 'succeeded' | 'failed'

export type VideoStatus = {
  state: VideoState
  progress?: number
  outputUrl?: string
  /** Output seconds, when the vendor says (or bills by them); else the held duration is billed. */
  seconds?: number
  failure?: string
}

export type VideoAdapter = {
  buildCreate(req: VideoRequest, config: ProviderConfig): HttpCall
  /** The vendor's job id from the create response. */
  parseCreate(body: ParsedBody): { jobId: string }
  buildPoll(jobId: string, config: ProviderConfig): HttpCall
  /** `model`: the job's, for vendors that report a cost to be turned into seconds. */
  parsePoll(body: ParsedBody, model: string): VideoStatus
}

// ---- Shared -------------------------------------------------------------------------------

export type ParsedBody = { json?: unknown; bytes?: Uint8Array; contentType: string; headers: Headers }

export type ProviderAdapter = {
  id: ProviderId
  /** The vendor's error message from an error response body, for passing 4xx through. */
  parseError(status: number, body: ParsedBody): string
  /** Whether an error answer says the gateway's own key was refused, where the status does not (Gemini: 400 API_KEY_INVALID). */
  rejectsKey?(status: number, body: ParsedBody): boolean
  /** Seconds a 429 asks to wait, from its body, for vendors that say it there instead of Retry-After (Gemini's RetryInfo). */
  retryAfter?(body: ParsedBody): number | undefined
  chat?: ChatAdapter
  image?: ImageAdapter
  video?: VideoAdapter
  /**
   * In-process answer instead of the network (the simulator). When set, the transport calls
   * it with the built request instead of fetch.
   */
  serve?: (call: HttpCall, signal: AbortSignal) => Promise<Response>
}
