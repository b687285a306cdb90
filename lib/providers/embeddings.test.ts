// Embeddings adapters: input validation (OpenAI's four forms and limits), the float32 base64
// encoding checked against the openai SDK's own decoder, the OpenAI and Gemini wire shapes,
// and the simulator's vectors.
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  base64ToFloats,
  checkDimensions,
  embeddingItems,
  EmbeddingInputError,
  embeddingShape,
  encodeVector,
  floatsToBase64,
  openAIEmbeddingsRequest,
  parseOpenAIEmbeddings,
  type EmbeddingRequest,
} from '@/lib/providers/embeddings'
import { geminiEmbeddingRequests, parseGeminiEmbeddings } from '@/lib/providers/embeddings-gemini'
import { simulatedEmbeddings, simulatedModeration, simulatedVector, MODERATION_CATEGORIES } from '@/lib/providers/embeddings-simulator'
import { UntranslatableError } from '@/lib/providers/types'

// The openai SDK's own decoder of base64 vectors (not in its exports map: loaded by path).
const { toFloat32Array } = createRequire(import.meta.url)(path.resolve('node_modules/openai/internal/utils/base64.js')) as { toFloat32Array: (b64: string) => number[] }

const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error as EmbeddingInputError
  }
  throw new Error('not refused')
}

describe('embeddingItems', () => {
  it('takes OpenAI four input forms', () => {
    expect(embeddingItems('hi')).toEqual({ items: ['hi'], single: true })
    expect(embeddingItems(['a', 'b'])).toEqual({ items: ['a', 'b'], single: false })
    expect(embeddingItems([1, 2, 3])).toEqual({ items: [[1, 2, 3]], single: true })
    expect(embeddingItems([[1], [2, 3]])).toEqual({ items: [[1], [2, 3]], single: false })
  })

  it('refuses each bad input naming it', () => {
    expect(refusal(() => embeddingItems(''))).toMatchObject({ param: 'input', message: 'input must not be an empty string' })
    expect(refusal(() => embeddingItems([]))).toMatchObject({ param: 'input', message: 'input must not be an empty array' })
    expect(refusal(() => embeddingItems(undefined))).toMatchObject({ param: 'input', message: 'input is required' })
    expect(refusal(() => embeddingItems(['a', '']))).toMatchObject({ param: 'input[1]' })
    expect(refusal(() => embeddingItems(['a', 5]))).toMatchObject({ param: 'input[1]' })
    expect(refusal(() => embeddingItems([[1], [2, -1]]))).toMatchObject({ param: 'input[1][1]' })
    expect(refusal(() => embeddingItems([1, 2.5]))).toMatchObject({ param: 'input[1]' })
    expect(refusal(() => embeddingItems(['a', [1]]))).toMatchObject({ param: 'input', message: 'input must not mix strings and token arrays' })
    expect(refusal(() => embeddingItems({ text: 'a' }))).toMatchObject({ param: 'input' })
    expect(refusal(() => embeddingItems(Array(2049).fill('a')))).toMatchObject({ param: 'input', message: 'input has 2049 items; at most 2048 per request' })
    expect(refusal(() => embeddingItems([Array(8193).fill(1)]))).toMatchObject({ param: 'input[0]' })
    expect(embeddingItems(Array(2048).fill('a')).items).toHaveLength(2048)
  })
})

describe('base64 vectors', () => {
  it('are little-endian float32, exactly as the openai SDK decodes them', () => {
    const values = [0, 1, -1, 0.5, -0.25, 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(0.1), Math.fround(-0.7071067811865476)]
    const encoded = floatsToBase64(values)
    expect(Buffer.from(encoded, 'base64')).toHaveLength(values.length * 4)
    // 1.0 as float32 LE is 00 00 80 3f.
    expect(Buffer.from(floatsToBase64([1]), 'base64')).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f]))
    expect(toFloat32Array(encoded)).toEqual(values)
    expect(base64ToFloats(encoded)).toEqual(values)
  })

  it('converts to the asked encoding whatever the upstream sent', () => {
    const floats = [Math.fround(0.3), Math.fround(-0.6)]
    expect(encodeVector(floats, 'base64')).toBe(floatsToBase64(floats))
    expect(encodeVector(floatsToBase64(floats), undefined)).toEqual(floats)
    expect(encodeVector(floats, 'float')).toBe(floats)
    expect(() => base64ToFloats('AAA=')).toThrow(/whole number/)
  })
})

describe('dimensions', () => {
  it('are refused where the model cannot shorten its vectors, or beyond its size', () => {
    expect(() => checkDimensions('text-embedding-ada-002', embeddingShape('text-embedding-ada-002'), 512)).toThrow(UntranslatableError)
    expect(() => checkDimensions('text-embedding-3-small', embeddingShape('text-embedding-3-small'), 1537)).toThrow(/at most 1536/)
    expect(() => checkDimensions('text-embedding-3-small', embeddingShape('text-embedding-3-small'), 256)).not.toThrow()
    expect(() => checkDimensions('my-local-model', undefined, 99)).not.toThrow()
  })
})

const request = (over: Partial<EmbeddingRequest> = {}): EmbeddingRequest => ({ model: 'text-embedding-3-small', items: ['a', 'b'], single: false, extra: {}, ...over })

describe('OpenAI-compatible wire', () => {
  it('forwards the caller request, encoding_format included, and reads the answer in index order', () => {
    const call = openAIEmbeddingsRequest(request({ dimensions: 8, encodingFormat: 'base64', user: 'u1', extra: { extra_field: 1 } }), { apiKey: 'k', baseUrl: 'https://h/v1' })
    expect(call).toMatchObject({ method: 'POST', url: 'https://h/v1/embeddings', headers: { authorization: 'Bearer k' } })
    expect(JSON.parse(call.body as string)).toEqual({ extra_field: 1, model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8, encoding_format: 'base64', user: 'u1' })
    expect(JSON.parse(openAIEmbeddingsRequest(request({ items: ['x'], single: true }), { apiKey: '', baseUrl: 'http://l' }).body as string).input).toBe('x')
    const parsed = parseOpenAIEmbeddings({ data: [{ index: 1, embedding: 'AACAPw==' }, { index: 0, embedding: [0.5] }], model: 'm', usage: { prompt_tokens: 7 } }, 2)
    expect(parsed).toEqual({ vectors: [[0.5], 'AACAPw=='], promptTokens: 7, model: 'm' })
    expect(parseOpenAIEmbeddings({ data: [{ index: 0, embedding: [1] }] }, 1).promptTokens).toBeNull()
    expect(() => parseOpenAIEmbeddings({ data: [{ index: 0, embedding: [1] }] }, 2)).toThrow(/1 vectors for 2 inputs/)
    expect(() => parseOpenAIEmbeddings({ data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [2] }] }, 2)).toThrow(/bad index/)
  })
})

describe('Gemini wire', () => {
  it('sends batchEmbedContents as js-genai does, in batches of 100', () => {
    const items = Array.from({ length: 150 }, (_, i) => `text ${i}`)
    const calls = geminiEmbeddingRequests(request({ model: 'gemini-embedding-001', items, dimensions: 768 }), { apiKey: 'gk', baseUrl: 'https://g' })
    expect(calls).toHaveLength(2)
    expect(calls[0]).toMatchObject({ url: 'https://g/v1beta/models/gemini-embedding-001:batchEmbedContents', headers: { 'x-goog-api-key': 'gk' } })
    const first = JSON.parse(calls[0].body as string)
    expect(first.requests).toHaveLength(100)
    expect(first.requests[0]).toEqual({ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'text 0' }] }, outputDimensionality: 768 })
    expect(JSON.parse(calls[1].body as string).requests).toHaveLength(50)
  })

  it('refuses what Gemini cannot take, naming it', () => {
    expect(() => geminiEmbeddingRequests(request({ model: 'gemini-embedding-001', items: [[1, 2]], single: true }), { apiKey: '', baseUrl: '' })).toThrow(expect.objectContaining({ param: 'input' }))
    expect(() => geminiEmbeddingRequests(request({ model: 'gemini-embedding-001', extra: { task_type: 'x' } }), { apiKey: '', baseUrl: '' })).toThrow(expect.objectContaining({ param: 'task_type' }))
  })

  it('reads the float vectors, without usage', () => {
    expect(parseGeminiEmbeddings({ embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] }, 2)).toEqual({ vectors: [[0.1, 0.2], [0.3, 0.4]], promptTokens: null })
    expect(() => parseGeminiEmbeddings({ embeddings: [{}] }, 1)).toThrow(/without values/)
    expect(() => parseGeminiEmbeddings({ candidates: [] }, 1)).toThrow(/not a batchEmbedContents/)
  })
})

describe('simulator', () => {
  it('answers deterministic unit vectors of the right size, in the asked encoding', async () => {
    const a = simulatedVector('text-embedding-3-small', 'hello', 1536)
    expect(a).toHaveLength(1536)
    expect(simulatedVector('text-embedding-3-small', 'hello', 1536)).toEqual(a)
    expect(simulatedVector('text-embedding-3-small', 'other', 1536)).not.toEqual(a)
    expect(Math.abs(Math.hypot(...a) - 1)).toBeLessThan(1e-5)
    const floats = await simulatedEmbeddings({ model: 'text-embedding-3-large', input: ['hello', 'world'], dimensions: 256 }).json()
    expect(floats.data.map((d: { embedding: number[] }) => d.embedding.length)).toEqual([256, 256])
    expect(floats.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 })
    const b64 = await simulatedEmbeddings({ model: 'text-embedding-3-large', input: ['hello', 'world'], dimensions: 256, encoding_format: 'base64' }).json()
    expect(toFloat32Array(b64.data[1].embedding)).toEqual(floats.data[1].embedding)
    expect((await simulatedEmbeddings({ model: 'gemini-embedding-001', input: 'x' }).json()).data[0].embedding).toHaveLength(3072)
  })

  it('moderates in OpenAI shape: 13 categories, applied input types for omni models', async () => {
    const r = await simulatedModeration({ model: 'omni-moderation-latest', input: ['I will kill it', 'a nice day'] }).json()
    expect(r.results).toHaveLength(2)
    expect(Object.keys(r.results[0].categories)).toEqual([...MODERATION_CATEGORIES])
    expect(r.results[0]).toMatchObject({ flagged: true, categories: { violence: true } })
    expect(r.results[1].flagged).toBe(false)
    expect(r.results[0].category_applied_input_types.violence).toEqual(['text'])
    const image = await simulatedModeration({ model: 'omni-moderation-latest', input: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'https://i' } }] }).json()
    expect(image.results).toHaveLength(1)
    expect(image.results[0].category_applied_input_types).toMatchObject({ violence: ['text', 'image'], hate: ['text'] })
    const legacy = await simulatedModeration({ model: 'text-moderation-stable', input: 'x' }).json()
    expect(legacy.results[0].category_applied_input_types).toBeUndefined()
  })
})
