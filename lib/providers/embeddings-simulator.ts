// The simulator's embeddings and moderations (lib/providers/simulator.ts serves them when no
// key is configured): OpenAI's exact shapes, deterministic (the same text gives the same vector
// and the same scores, so a demo's similarity search behaves the same every run).
import { createHash } from 'node:crypto'
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base'
import { embeddingItems, embeddingShape, encodeVector, type EmbeddingItem } from '@/lib/providers/embeddings'

// An unknown model's vectors (a host's or a local model the gateway has no card for).
const DEFAULT_DIMENSIONS = 768

/** A small fast PRNG (mulberry32): a vector of 3,072 values costs microseconds, not 384 hashes. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A unit vector derived from the model and the input: as an embedding model's are, normalised. */
export function simulatedVector(model: string, item: EmbeddingItem, dimensions: number): number[] {
  const seed = createHash('sha256').update(`${model}\n${JSON.stringify(item)}`).digest().readUInt32LE(0)
  const next = random(seed)
  const raw = Array.from({ length: dimensions }, () => next() * 2 - 1)
  const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0)) || 1
  // Rounded through float32, as a vendor's vectors are: base64 and float answers then agree exactly.
  return raw.map((v) => Math.fround(v / norm))
}

const tokensOf = (item: EmbeddingItem) => (typeof item === 'string' ? countTokens(item) : item.length)

/** POST /embeddings on the simulator. The gateway has validated the body already. */
export function simulatedEmbeddings(body: { model: string; input: unknown; dimensions?: number; encoding_format?: 'float' | 'base64' }): Response {
  const { items } = embeddingItems(body.input)
  const dimensions = body.dimensions ?? embeddingShape(body.model)?.dimensions ?? DEFAULT_DIMENSIONS
  const tokens = items.reduce((sum, item) => sum + tokensOf(item), 0)
  return Response.json({
    object: 'list',
    data: items.map((item, index) => ({ object: 'embedding', index, embedding: encodeVector(simulatedVector(body.model, item, dimensions), body.encoding_format) })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}

/** OpenAI's 13 moderation categories, and which of them omni models also judge in images. */
export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const
export const IMAGE_CATEGORIES: ReadonlySet<string> = new Set(['self-harm', 'self-harm/intent', 'self-harm/instructions', 'sexual', 'violence', 'violence/graphic'])

// A few unmistakable words per category, so a demo can see a flag; everything else scores low.
const LEXICON: [RegExp, string[]][] = [
  [/\b(?:kill|murder|stab|shoot)\b/i, ['violence']],
  [/\b(?:idiot|moron|loser)\b/i, ['harassment']],
  [/\bsuicide\b/i, ['self-harm', 'self-harm/intent']],
]

type ModerationPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }

/** One result for one input: a string, or a list of text and image parts judged together. */
function moderate(model: string, parts: ModerationPart[]) {
  const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n')
  const hasImage = parts.some((p) => p.type === 'image_url')
  const next = random(createHash('sha256').update(`${model}\n${JSON.stringify(parts)}`).digest().readUInt32LE(0))
  const hits = new Set(LEXICON.flatMap(([pattern, categories]) => (pattern.test(text) ? categories : [])))
  const omni = model.startsWith('omni-')
  const categories: Record<string, boolean> = {}
  const scores: Record<string, number> = {}
  const applied: Record<string, string[]> = {}
  for (const category of MODERATION_CATEGORIES) {
    scores[category] = hits.has(category) ? 0.9 + next() * 0.09 : next() * 0.001
    categories[category] = hits.has(category)
    applied[category] = [...(text ? ['text'] : []), ...(hasImage && IMAGE_CATEGORIES.has(category) ? ['image'] : [])]
  }
  return { flagged: hits.size > 0, categories, category_scores: scores, ...(omni ? { category_applied_input_types: applied } : {}) }
}

/** POST /moderations on the simulator. The gateway has validated the body already. */
export function simulatedModeration(body: { model: string; input: string | string[] | ModerationPart[] }): Response {
  const inputs: ModerationPart[][] =
    typeof body.input === 'string'
      ? [[{ type: 'text', text: body.input }]]
      : body.input.every((i) => typeof i === 'string')
        ? (body.input as string[]).map((text) => [{ type: 'text', text }])
        : [body.input as ModerationPart[]]
  const id = `modr-sim-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`
  return Response.json({ id, model: body.model, results: inputs.map((parts) => moderate(body.model, parts)) })
}
