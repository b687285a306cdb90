// Embeddings' counting, caps, routing and price: the parts of the handler that decide what a
// call may do and what it costs before anything is sent.
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base'
import { describe, expect, it } from 'vitest'
import { AppError } from '@/lib/errors'
import { countEmbeddingTokens, embeddingCost, priceEmbedding } from '@/lib/gateway/embeddings-count'
import { embeddingRouter } from '@/lib/gateway/embeddings'
import { moderationRouter } from '@/lib/gateway/moderations'
import { textRoute } from '@/lib/gateway/routing'
import type { PriceOverride } from '@/lib/pricing/types'

const refusedWith = async (promise: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    return error as AppError
  }
  throw new Error('not refused')
}

describe('countEmbeddingTokens', () => {
  it('counts ordinary text exactly as cl100k does, though in pieces', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(300)
    expect((await countEmbeddingTokens([text, 'hello'], false)).each).toEqual([countTokens(text), countTokens('hello')])
    expect((await countEmbeddingTokens([[1, 2, 3]], true)).total).toBe(3)
  })

  it("refuses OpenAI's caps, naming the input", async () => {
    const long = 'word '.repeat(8200)
    expect(await refusedWith(countEmbeddingTokens(['ok', long], false))).toMatchObject({ code: 'invalid_request', param: 'input[1]', message: expect.stringMatching(/more than 8192 tokens/) })
    expect(await refusedWith(countEmbeddingTokens([long], true))).toMatchObject({ param: 'input' })
    const many = Array.from({ length: 40 }, () => 'word '.repeat(8000))
    expect(await refusedWith(countEmbeddingTokens(many, false))).toMatchObject({ param: 'input', message: expect.stringMatching(/more than 300000 tokens in all/) })
  })

  it('counts a run without spaces in bounded pieces (one piece took minutes)', async () => {
    // 400,000 CJK characters: refused as too long after counting a few thousand characters.
    expect(await refusedWith(countEmbeddingTokens(['漢字テスト'.repeat(80_000)], true))).toMatchObject({ param: 'input' })
    const { total } = await countEmbeddingTokens(['漢'.repeat(4000)], true)
    expect(total).toBeGreaterThan(0)
  })
})

describe('embeddingRouter', () => {
  it('routes embedding models by catalog id or provider/model', () => {
    expect(textRoute(embeddingRouter('text-embedding-3-small', [])).text.entry?.model.id).toBe('text-embedding-3-small')
    expect(textRoute(embeddingRouter('gemini/gemini-embedding-001', [])).provider.id).toBe('gemini')
    expect(textRoute(embeddingRouter('mistral-embed', [])).provider.id).toBe('mistral')
  })

  it('refuses a chat model (400) and an unknown one (404 model_not_found), naming the model', async () => {
    expect(await refusedWith(() => embeddingRouter('gpt-4o-mini', []))).toMatchObject({ code: 'invalid_request', status: 400, param: 'model', message: expect.stringContaining('`gpt-4o-mini` is not an embedding model') })
    expect(await refusedWith(() => embeddingRouter('claude-sonnet-4-5', []))).toMatchObject({ code: 'invalid_request', param: 'model' })
    expect(await refusedWith(() => embeddingRouter('no-such-embedder', []))).toMatchObject({ code: 'model_not_found', status: 404, param: 'model' })
    expect(await refusedWith(() => moderationRouter('gpt-4o', []))).toMatchObject({ code: 'model_not_found', status: 404 })
  })
})

describe('priceEmbedding', () => {
  it('prices input tokens at the catalog rate, exactly', () => {
    const route = textRoute(embeddingRouter('text-embedding-3-small', []))
    expect(priceEmbedding(route, 1000, [])).toMatchObject({ costStatus: 'priced', inputCost: '0.00002', outputCost: '0', totalCost: '0.00002', priceSnapshot: { rates: { input_mtok: '0.02' } } })
    expect(priceEmbedding(textRoute(embeddingRouter('text-embedding-3-large', [])), 7, []).totalCost).toBe('0.00000091')
    expect(priceEmbedding(textRoute(embeddingRouter('gemini-embedding-001', [])), 1_000_000, []).totalCost).toBe('0.15')
    expect(priceEmbedding(textRoute(embeddingRouter('mistral-embed', [])), 1_000_000, []).totalCost).toBe('0.1')
  })

  it('takes an override first, and marks a counted call estimated', () => {
    const route = textRoute(embeddingRouter('text-embedding-3-small', []))
    const override: PriceOverride = { id: 'o1', provider: 'openai', model: 'text-embedding-3-small', unit: 'input_mtok', variant: '', price: '1', effectiveFrom: new Date(0), effectiveTo: null }
    expect(priceEmbedding(route, 10, [override])).toMatchObject({ totalCost: '0.00001', priceSnapshot: { sources: { input_mtok: 'override:o1' } } })
    expect(embeddingCost(route, 10, [], true)).toMatchObject({ input_tokens: 10, output_tokens: 0, total_cost: '0.0000002', cost_status: 'estimated' })
    expect(embeddingCost(route, 10, [], false).cost_status).toBe('priced')
  })
})
