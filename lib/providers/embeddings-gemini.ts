// Embeddings on Gemini's own API (Generative Language v1beta), as googleapis/js-genai sends
// them: POST /v1beta/models/{model}:batchEmbedContents with x-goog-api-key and
// {requests: [{model: "models/{model}", content: {parts: [{text}]}, outputDimensionality?}]};
// the answer is {embeddings: [{values: [floats]}]}, in request order, with no token usage
// (the gateway counts the input: lib/gateway/embeddings-count.ts).
import type { EmbeddingRequest, EmbeddingResult } from '@/lib/providers/embeddings'
import { UntranslatableError, type HttpCall, type ProviderConfig } from '@/lib/providers/types'

/** batchEmbedContents takes at most 100 requests: longer inputs are sent in several batches. */
export const GEMINI_BATCH = 100

/**
 * The batches for one OpenAI-shaped request. Token-id inputs and OpenAI-only fields have no
 * Gemini equivalent: refused (400 naming the field) rather than dropped or guessed.
 */
export function geminiEmbeddingRequests(req: EmbeddingRequest, config: ProviderConfig): HttpCall[] {
  const tokens = req.items.findIndex((item) => typeof item !== 'string')
  if (tokens >= 0) throw new UntranslatableError(req.single ? 'input' : `input[${tokens}]`, `${req.model} takes text only: token-id inputs cannot be sent to Gemini`)
  const unknown = Object.keys(req.extra)[0]
  if (unknown !== undefined) throw new UntranslatableError(unknown, `${unknown} is not supported for ${req.model} (Gemini has no equivalent)`)
  const calls: HttpCall[] = []
  for (let start = 0; start < req.items.length; start += GEMINI_BATCH) {
    const requests = (req.items.slice(start, start + GEMINI_BATCH) as string[]).map((text) => ({
      model: `models/${req.model}`,
      content: { parts: [{ text }] },
      ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
    }))
    calls.push({
      method: 'POST',
      url: `${config.baseUrl}/v1beta/models/${encodeURIComponent(req.model)}:batchEmbedContents`,
      headers: { 'x-goog-api-key': config.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    })
  }
  return calls
}

/** One batch's answer: its vectors as float arrays, in order. Throws when it is not one. */
export function parseGeminiEmbeddings(value: unknown, expected: number): EmbeddingResult {
  const j = value as { embeddings?: { values?: unknown }[] }
  if (!j || typeof j !== 'object' || !Array.isArray(j.embeddings)) throw new Error('not a batchEmbedContents response')
  if (j.embeddings.length !== expected) throw new Error(`batchEmbedContents answered ${j.embeddings.length} embeddings for ${expected} inputs`)
  const vectors = j.embeddings.map((e) => {
    if (!Array.isArray(e?.values) || !e.values.every((x) => typeof x === 'number')) throw new Error('batchEmbedContents answered an embedding without values')
    return e.values as number[]
  })
  return { vectors, promptTokens: null }
}
