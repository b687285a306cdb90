// The one contract every vendor adapter implements. Adapters are data plus pure functions:
// they build HTTP requests and parse responses; lib/providers/transport.ts does the I/O. They
// never touch the database and import nothing but this file.

export type ProviderId = 'openai' | 'bfl' | 'stability' | 'ideogram' | 'runway' | 'luma' | 'simulator'

export type ProviderConfig = { apiKey: string; baseUrl: string }

export type HttpCall = {
  method: 'GET' | 'POST' | 'DELETE'
  /** Absolute URL. */
  url: string
  headers: Record<string, string>
  body?: string | FormData
}

// ---- Chat (OpenAI's shapes; every chat upstream speaks them) --------------------------------

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

/** Token usage in OpenAI's counting: cached ⊂ input, reasoning ⊂ output. */
export type TextUsage = { inputTokens: number; outputTokens: number; cachedTokens: number; reasoningTokens: number }

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

/** One parsed server-sent event of a chat stream. */
export type StreamEvent = { kind: 'chunk'; chunk: ChatChunk } | { kind: 'done' } | { kind: 'error'; message: string }

export type ChatAdapter = {
  buildRequest(body: ChatRequestBody, config: ProviderConfig): HttpCall
  parseResponse(json: unknown): ChatCompletion
  /** `data` is the text after "data: " of one SSE event. */
  parseStreamEvent(data: string): StreamEvent
  extractUsage(usage: OpenAIUsage | null | undefined): TextUsage | null
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
  chat?: ChatAdapter
  image?: ImageAdapter
  video?: VideoAdapter
  /**
   * In-process answer instead of the network (the simulator). When set, the transport calls
   * it with the built request instead of fetch.
   */
  serve?: (call: HttpCall, signal: AbortSignal) => Promise<Response>
}
