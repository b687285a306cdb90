// Embeddings in OpenAI's shapes (PROVIDERS-TEXT.md §4.1): the caller's input checked and
// normalised, the vectors' two wire encodings (float arrays, or base64 of little-endian
// float32, which the openai SDK asks for by default and decodes itself), and the request and
// answer of every OpenAI-compatible host (OpenAI, Mistral, Together, Fireworks, Ollama, vLLM…).
// Pure: lib/gateway/embeddings.ts does the I/O. Gemini's native API: embeddings-gemini.ts.
import { UntranslatableError, type HttpCall, type ProviderConfig } from '@/lib/providers/types'

/** OpenAI's limits on one request (its API reference for `input`). */
export const EMBEDDING_LIMITS = { items: 2048, tokensPerInput: 8192, tokensPerRequest: 300_000 } as const

/** One input: text, or token ids (OpenAI's int[] form). */
export type EmbeddingItem = string | number[]
export type EncodingFormat = 'float' | 'base64'

/** A request as the gateway forwards it: inputs normalised to a list, the caller's options. */
export type EmbeddingRequest = {
  model: string
  items: EmbeddingItem[]
  /** Whether the caller sent one input (not a list): OpenAI answers alike, but Gemini's single call differs. */
  single: boolean
  dimensions?: number
  /** What the caller asked for; absent means OpenAI's default, float. */
  encodingFormat?: EncodingFormat
  user?: string
  /** Fields Tollgate does not know, passed through to OpenAI-compatible hosts. */
  extra: Record<string, unknown>
}

export type EmbeddingResult = {
  /** One vector per input, in input order, as float arrays or base64 strings. */
  vectors: (number[] | string)[]
  /** prompt_tokens as the upstream reported them; null when it reported none. */
  promptTokens: number | null
  /** The model the upstream named. */
  model?: string
}

// The largest token id the embedding tokenizers have (o200k_base: 200,018), rounded up: an id
// above it is no token of any vendor's, and is refused rather than sent.
const MAX_TOKEN_ID = 2 ** 20

export class EmbeddingInputError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message)
  }
}

const isTokenId = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < MAX_TOKEN_ID

function tokenList(value: unknown[], param: string): number[] {
  if (value.length === 0) throw new EmbeddingInputError(param, `${param} must not be an empty array of tokens`)
  const bad = value.findIndex((n) => !isTokenId(n))
  if (bad >= 0) throw new EmbeddingInputError(`${param}[${bad}]`, `${param}[${bad}] must be a token id (an integer from 0 to ${MAX_TOKEN_ID - 1})`)
  return value as number[]
}

/**
 * The `input` field as a list of items: a string, an array of strings, an array of token ids,
 * or an array of token-id arrays (OpenAI's four forms), each non-empty, at most 2,048 of them.
 * Token caps are the gateway's to check once the items are counted (lib/gateway/embeddings-count.ts).
 */
export function embeddingItems(input: unknown): { items: EmbeddingItem[]; single: boolean } {
  const form = 'input must be a string, an array of strings, an array of token ids, or an array of token-id arrays'
  if (typeof input === 'string') {
    if (input.length === 0) throw new EmbeddingInputError('input', 'input must not be an empty string')
    return { items: [input], single: true }
  }
  if (!Array.isArray(input)) throw new EmbeddingInputError('input', input === undefined ? 'input is required' : form)
  if (input.length === 0) throw new EmbeddingInputError('input', 'input must not be an empty array')
  if (typeof input[0] === 'number') {
    if (input.length > EMBEDDING_LIMITS.tokensPerInput) throw new EmbeddingInputError('input', `input has ${input.length} tokens; at most ${EMBEDDING_LIMITS.tokensPerInput} per input`)
    return { items: [tokenList(input, 'input')], single: true }
  }
  if (input.length > EMBEDDING_LIMITS.items) throw new EmbeddingInputError('input', `input has ${input.length} items; at most ${EMBEDDING_LIMITS.items} per request`)
  const items = input.map((item, i): EmbeddingItem => {
    const param = `input[${i}]`
    if (typeof item === 'string') {
      if (item.length === 0) throw new EmbeddingInputError(param, `${param} must not be an empty string`)
      return item
    }
    if (Array.isArray(item)) {
      if (item.length > EMBEDDING_LIMITS.tokensPerInput) throw new EmbeddingInputError(param, `${param} has ${item.length} tokens; at most ${EMBEDDING_LIMITS.tokensPerInput} per input`)
      return tokenList(item, param)
    }
    throw new EmbeddingInputError(param, `${param}: ${form}`)
  })
  // OpenAI takes a list of strings or a list of token arrays, not both.
  if (items.some((i) => typeof i === 'string') && items.some((i) => typeof i !== 'string'))
    throw new EmbeddingInputError('input', 'input must not mix strings and token arrays')
  return { items, single: false }
}

/** What the gateway knows of an embedding model's vectors: their default size, and whether `dimensions` may shorten them. */
export type EmbeddingShape = { dimensions: number; shortens: boolean; maxDimensions: number }

// The vendors' model cards (OpenAI embeddings guide; ai.google.dev embeddings; Mistral docs).
const SHAPES: Record<string, EmbeddingShape> = {
  'text-embedding-3-small': { dimensions: 1536, shortens: true, maxDimensions: 1536 },
  'text-embedding-3-large': { dimensions: 3072, shortens: true, maxDimensions: 3072 },
  'text-embedding-ada-002': { dimensions: 1536, shortens: false, maxDimensions: 1536 },
  'gemini-embedding-001': { dimensions: 3072, shortens: true, maxDimensions: 3072 },
  'gemini-embedding-2': { dimensions: 3072, shortens: true, maxDimensions: 3072 },
  'mistral-embed': { dimensions: 1024, shortens: false, maxDimensions: 1024 },
}

/** The shape of a catalog embedding model, if the gateway knows it (a host's or a local model: undefined, the upstream decides). */
export function embeddingShape(catalogId: string | undefined): EmbeddingShape | undefined {
  return catalogId ? SHAPES[catalogId] : undefined
}

/**
 * `dimensions` checked against the model: refused for a model that cannot shorten its vectors
 * (OpenAI answers ada-002 so too) or beyond its size. Unknown models pass it to their upstream.
 */
export function checkDimensions(model: string, shape: EmbeddingShape | undefined, dimensions: number | undefined): void {
  if (dimensions === undefined || !shape) return
  if (!shape.shortens) throw new UntranslatableError('dimensions', `dimensions is not supported by ${model}: its vectors always have ${shape.dimensions} dimensions`)
  if (dimensions > shape.maxDimensions) throw new UntranslatableError('dimensions', `dimensions must be at most ${shape.maxDimensions} for ${model}`)
}

/** Float values as OpenAI's base64: little-endian float32, 4 bytes each. */
export function floatsToBase64(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4))
  return bytes.toString('base64')
}

/** OpenAI's base64 vector back to floats (what the openai SDK does with it). */
export function base64ToFloats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64')
  if (bytes.length % 4 !== 0) throw new Error('a base64 embedding is not a whole number of float32 values')
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))
}

/** A vector in the encoding the caller asked for, whatever the upstream sent (a host may ignore encoding_format). */
export function encodeVector(vector: number[] | string, format: EncodingFormat | undefined): number[] | string {
  if (format === 'base64') return typeof vector === 'string' ? vector : floatsToBase64(vector)
  return typeof vector === 'string' ? base64ToFloats(vector) : vector
}

/** OpenAI's answer, the gateway's own: the vectors in the asked encoding, the tokens it billed. */
export function embeddingResponse(model: string, vectors: (number[] | string)[], promptTokens: number, format: EncodingFormat | undefined) {
  return {
    object: 'list' as const,
    data: vectors.map((vector, index) => ({ object: 'embedding' as const, index, embedding: encodeVector(vector, format) })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  }
}

// A local server may take no key: then no Authorization header at all.
const headers = (apiKey: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } : { 'content-type': 'application/json' })

/** POST {base}/embeddings on an OpenAI-compatible host: the caller's request as sent, model renamed for the upstream. */
export function openAIEmbeddingsRequest(req: EmbeddingRequest, config: ProviderConfig): HttpCall {
  const body = {
    ...req.extra,
    model: req.model,
    input: req.single ? req.items[0] : req.items,
    ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
    ...(req.encodingFormat ? { encoding_format: req.encodingFormat } : {}),
    ...(req.user !== undefined ? { user: req.user } : {}),
  }
  return { method: 'POST', url: `${config.baseUrl}/embeddings`, headers: headers(config.apiKey), body: JSON.stringify(body) }
}

const isVector = (v: unknown): v is number[] | string => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'number'))

/** An OpenAI-shaped embeddings answer: one vector per input, ordered by `index`. Throws when it is not one. */
export function parseOpenAIEmbeddings(value: unknown, expected: number): EmbeddingResult {
  const j = value as { data?: { index?: unknown; embedding?: unknown }[]; usage?: { prompt_tokens?: unknown }; model?: unknown }
  if (!j || typeof j !== 'object' || !Array.isArray(j.data)) throw new Error('not an embeddings response')
  if (j.data.length !== expected) throw new Error(`the embeddings response has ${j.data.length} vectors for ${expected} inputs`)
  const vectors: (number[] | string)[] = new Array(expected)
  j.data.forEach((d, position) => {
    const index = typeof d?.index === 'number' ? d.index : position
    if (!Number.isInteger(index) || index < 0 || index >= expected || vectors[index] !== undefined) throw new Error('the embeddings response has a bad index')
    if (!isVector(d.embedding)) throw new Error('the embeddings response has a vector that is neither floats nor base64')
    vectors[index] = d.embedding
  })
  const tokens = j.usage?.prompt_tokens
  return { vectors, promptTokens: typeof tokens === 'number' && Number.isSafeInteger(tokens) && tokens >= 0 ? tokens : null, ...(typeof j.model === 'string' ? { model: j.model } : {}) }
}
