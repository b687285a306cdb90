// POST /api/v1/embeddings and /api/v1/moderations through the official openai SDK against a
// real Next server whose OpenAI and Gemini point at their fakes: the SDK's default base64 and
// float, a batch, `dimensions`, a Gemini model (translated to batchEmbedContents, its floats
// encoded as the SDK asked), precise refusals, and the one usage row each call leaves, priced
// per input token (literal rates from the catalog: 3-small 0.02, 3-large 0.13, gemini 0.15 per 1M).
import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { rowOf } from '@/test/conformance'
import { startFakeGemini, type FakeGemini } from '@/test/fakes/gemini'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { fakeVector } from '@/test/fakes/openai-embeddings'
import { canonical, createGatewayUser, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let openai: FakeOpenAI
let gemini: FakeGemini
let server: NextServer
let u: GatewayUser
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  ;[openai, gemini] = await Promise.all([startFakeOpenAI(), startFakeGemini()])
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'embeddings-secret-at-least-32-characters',
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.url,
    GEMINI_API_KEY: gemini.apiKey,
    GEMINI_BASE_URL: gemini.url,
    // The fake OpenAI also stands for Mistral, an OpenAI-compatible host serving mistral-embed.
    MISTRAL_API_KEY: openai.apiKey,
    MISTRAL_BASE_URL: openai.url,
  })
  u = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await Promise.all([openai?.close(), gemini?.close()])
})

const row = (id: string | null | undefined) => rowOf(db(), u.id, id)
const caught = async (promise: Promise<unknown>) => promise.then(() => { throw new Error('not refused') }, (error: unknown) => error as APIError)

describe('POST /api/v1/embeddings', () => {
  it("passes the SDK's default base64 through and books the upstream's tokens", async () => {
    const { data, request_id: requestId } = await u.client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' }).withResponse()
    expect(openai.calls.at(-1)!.body).toMatchObject({ model: 'text-embedding-3-small', input: 'hello world', encoding_format: 'base64' })
    expect(data.data[0].embedding).toEqual(fakeVector('hello world', 1536))
    expect(data.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 })
    const r = await row(requestId)
    expect(r).toMatchObject({ service_type: 'embedding', provider: 'openai', model: 'text-embedding-3-small', status: 'success', input_tokens: 2, output_tokens: 0, cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe('0.00000004')
  })

  it('answers float arrays for a batch with dimensions', async () => {
    const input = ['one', 'two words', 'three more words']
    const { data, request_id: requestId } = await u.client.embeddings.create({ model: 'text-embedding-3-large', input, dimensions: 8, encoding_format: 'float' }).withResponse()
    expect(openai.calls.at(-1)!.body).toMatchObject({ dimensions: 8, encoding_format: 'float' })
    expect(data.data.map((d) => d.embedding)).toEqual(input.map((text) => fakeVector(text, 8)))
    const r = await row(requestId)
    // 1 + 2 + 3 tokens (cl100k) at 0.13 per million.
    expect(r).toMatchObject({ service_type: 'embedding', input_tokens: 6, cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe('0.00000078')
  })

  it('serves a Gemini model through batchEmbedContents, counted and marked estimated', async () => {
    const input = ['hello', 'gemini embeddings']
    const { data, request_id: requestId } = await u.client.embeddings.create({ model: 'gemini-embedding-001', input, dimensions: 4 }).withResponse()
    const sent = gemini.calls.at(-1)!
    expect(sent.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents')
    expect(sent.body).toEqual({ requests: input.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 4 })) })
    // The SDK asked for base64 and decoded it: the gateway encoded Gemini's floats as float32 LE.
    expect(data.data.map((d) => d.embedding)).toEqual(input.map((text) => fakeVector(text, 4)))
    // Gemini reports no usage: the gateway's count, 1 + 3 tokens (cl100k), at 0.15 per million.
    expect(data.usage.prompt_tokens).toBe(4)
    const r = await row(requestId)
    expect(r).toMatchObject({ service_type: 'embedding', provider: 'gemini', model: 'gemini-embedding-001', input_tokens: 4, cost_status: 'estimated' })
    expect(canonical(r.total_cost)).toBe('0.0000006')
  })

  it('asks an OpenAI-compatible host for floats and encodes them as the SDK asked', async () => {
    const { data, request_id: requestId } = await u.client.embeddings.create({ model: 'mistral-embed', input: 'bonjour' }).withResponse()
    expect(openai.calls.at(-1)!.body).toEqual({ model: 'mistral-embed', input: 'bonjour' })
    expect(data.data[0].embedding).toEqual(fakeVector('bonjour', 1024))
    const r = await row(requestId)
    // The host's own usage (cl100k in the fake: 2 tokens) at mistral-embed's 0.10 per million.
    expect(data.usage.prompt_tokens).toBe(2)
    expect(r).toMatchObject({ service_type: 'embedding', provider: 'mistral', model: 'mistral-embed', input_tokens: 2, cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe('0.0000002')
  })

  it('refuses a bad input or dimensions precisely (400), and an unknown model with 404 model_not_found', async () => {
    const sent = openai.calls.length
    const empty = await caught(u.client.embeddings.create({ model: 'text-embedding-3-small', input: ['fine', ''] }))
    expect(empty).toMatchObject({ status: 400, param: 'input[1]', message: expect.stringContaining('input[1] must not be an empty string') })
    expect(await row(empty.requestID)).toMatchObject({ service_type: 'embedding', status: 'error', error_code: 'invalid_request', total_cost: '0.000000000000' })
    const dims = await caught(u.client.embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 256 }))
    expect(dims).toMatchObject({ status: 400, param: 'dimensions' })
    const unknown = await caught(u.client.embeddings.create({ model: 'no-such-embedder', input: 'x' }))
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' })
    const chat = await caught(u.client.embeddings.create({ model: 'gpt-4o-mini', input: 'x' }))
    expect(chat).toMatchObject({ status: 400, param: 'model', message: expect.stringContaining('`gpt-4o-mini` is not an embedding model') })
    expect(openai.calls.length).toBe(sent)
  })
})

describe('POST /api/v1/moderations', () => {
  it("forwards to OpenAI and books a free call: cost 0, 'priced'", async () => {
    const { data, request_id: requestId } = await u.client.moderations.create({ input: ['a calm sentence', 'I will [flag] you'] }).withResponse()
    expect(openai.calls.at(-1)!).toMatchObject({ path: '/moderations', body: { model: 'omni-moderation-latest', input: ['a calm sentence', 'I will [flag] you'] } })
    expect(data.results.map((r) => r.flagged)).toEqual([false, true])
    expect(data.results[1].categories.violence).toBe(true)
    const r = await row(requestId)
    expect(r).toMatchObject({ service_type: 'moderation', provider: 'openai', model: 'omni-moderation-latest', status: 'success', cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe('0')
    const unknown = await caught(u.client.moderations.create({ model: 'gpt-4o', input: 'x' }))
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' })
  })
})

describe('with no provider key (the shared server: the simulator serves)', () => {
  it('answers embeddings and moderations offline, in the same shapes, each call booked', async () => {
    const offline = await createGatewayUser(inject('baseUrl'))
    const { data, request_id: embedded } = await offline.client.embeddings.create({ model: 'text-embedding-3-small', input: ['offline', 'offline'] }).withResponse()
    expect(data.data.map((d) => d.embedding.length)).toEqual([1536, 1536])
    // Deterministic: the same text, the same vector.
    expect(data.data[0].embedding).toEqual(data.data[1].embedding)
    const r = await rowOf(inject('nextDatabaseUrl'), offline.id, embedded)
    // "offline" is 1 token (cl100k) per input, at 0.02 per million: priced as the real model would be.
    expect(r).toMatchObject({ service_type: 'embedding', provider: 'simulator', input_tokens: 2, cost_status: 'priced' })
    expect(canonical(r.total_cost)).toBe('0.00000004')
    const { data: moderation, request_id: moderated } = await offline.client.moderations.create({ input: 'a calm sentence' }).withResponse()
    expect(moderation.results[0]).toMatchObject({ flagged: false, category_applied_input_types: { violence: ['text'] } })
    expect(await rowOf(inject('nextDatabaseUrl'), offline.id, moderated)).toMatchObject({ service_type: 'moderation', provider: 'simulator', total_cost: '0.000000000000', cost_status: 'priced' })
  })
})
