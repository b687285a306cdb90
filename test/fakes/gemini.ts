// A FAKE of the Gemini API (Generative Language, v1beta) for gateway tests, on 127.0.0.1:
// POST /v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse, in Google's
// wire format (../shared/PROVIDERS-TEXT.md §2): camelCase, zero counts omitted, SSE events of
// whole GenerateContentResponse chunks separated by \r\n\r\n and no terminator. The key is
// checked Google's way (x-goog-api-key; a wrong key is 400 API_KEY_INVALID, a missing one 403).
// Behaviour is chosen by markers in the last user text:
//   default: FAKE_REPLY (one SSE event per piece), 1,000 prompt / 500 candidate tokens;
//   [cached] 800 of the prompt from cache; [reasoning] 100 thought tokens, and a thought part
//   when thinkingConfig.includeThoughts asks for it; [image-out] an inlineData PNG and 1,290
//   IMAGE candidate tokens; [tool] two parallel calls of the first declared function
//   ({"city":"Paris"}, {"city":"Rome"}; finishReason STOP, as Gemini ends calls); [json] the text
//   {"answer":"ok"}, refused unless the request asked for JSON; [blocked] a prompt blocked for
//   SAFETY (no candidates); [fault:429] RESOURCE_EXHAUSTED with a RetryInfo delay; [fault:500];
//   [fault:503] (model overloaded); and after two pieces of a stream: [fault:stream-error] an
//   error chunk, [fault:stall] silence, [fault:truncate] a clean end without finishReason;
//   [fault:long-stream] 200 pieces 40 ms apart.
// generationConfig.maxOutputTokens below 500 cuts each candidate there (finishReason MAX_TOKENS);
// candidateCount answers several candidates, each billed.
import { createServer, type ServerResponse } from 'node:http'
import { fakeVector } from '@/test/fakes/openai-embeddings'

export type GeminiCall = { path: string; model: string; stream: boolean; body: Record<string, unknown>; apiKey?: string; aborted: boolean }
export type FakeGemini = { url: string; apiKey: string; calls: GeminiCall[]; close: () => Promise<void> }

export const FAKE_REPLY = ['Hello', ' from', ' the', ' fake', ' Gemini', '.']
export const CUT_REPLY = FAKE_REPLY.slice(0, 2)
export const FAKE_THOUGHT = 'Thinking about the question.'
export const FAKE_USAGE = { prompt: 1000, candidates: 500, cached: 800, thoughts: 100, image: 1290 } as const
/** A 1×1 PNG: what [image-out] answers. */
export const FAKE_IMAGE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
export const RATE_LIMIT_MESSAGE = 'You exceeded your current quota, please check your plan and billing details.'

type Part = Record<string, unknown> & { text?: string }
type Content = { role?: string; parts?: Part[] }

function lastUserText(body: Record<string, unknown>): string {
  const contents = (body.contents as Content[] | undefined) ?? []
  const texts = [...contents].reverse().filter((c) => c.role !== 'model').map((c) => (c.parts ?? []).map((p) => p.text ?? '').join(''))
  return texts.find((t) => t) ?? ''
}

const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } })
const send = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' })
  res.end(JSON.stringify(body))
}

/**
 * batchEmbedContents: one {values} per request, outputDimensionality long (else 3,072), values
 * as test/fakes/openai-embeddings.ts makes them; no usage, as Google sends none. Each request
 * must name the URL's model (models/…) and hold one text part, as js-genai sends them.
 */
function serveEmbeddings(res: ServerResponse, model: string, body: Record<string, unknown>) {
  if (!model.startsWith('gemini-embedding-')) return send(res, 404, googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for embedContent.`))
  const requests = body.requests as { model?: string; content?: Content; outputDimensionality?: number }[] | undefined
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > 100) return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'requests must hold 1 to 100 requests'))
  const bad = requests.find((r) => r.model !== `models/${model}` || r.content?.parts?.length !== 1 || typeof r.content.parts[0].text !== 'string')
  if (bad) return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'each request must name the model of the URL and hold one text part'))
  send(res, 200, { embeddings: requests.map((r) => ({ values: fakeVector(r.content!.parts![0].text!, r.outputDimensionality ?? 3072) })) })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const untilClosed = (res: ServerResponse) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, 60_000)
  res.once('close', () => (clearTimeout(timer), resolve()))
})

/** What the request may not be, as Gemini's 400 would say; null when it is fine. */
function invalid(body: Record<string, unknown>, text: string): string | null {
  const contents = body.contents as Content[] | undefined
  if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified'
  if (contents.some((c) => !Array.isArray(c.parts) || c.parts.length === 0)) return '* GenerateContentRequest.contents.parts: contents.parts must not be empty.'
  if (contents.some((c) => c.role !== undefined && c.role !== 'user' && c.role !== 'model')) return 'Please use a valid role: user, model.'
  const config = (body.generationConfig ?? {}) as Record<string, unknown>
  if (config.responseJsonSchema && config.responseSchema) return 'responseJsonSchema and responseSchema cannot both be set.'
  if ((config.responseJsonSchema || config.responseSchema) && config.responseMimeType !== 'application/json') return 'responseSchema requires responseMimeType application/json.'
  if (text.includes('[json]') && config.responseMimeType !== 'application/json') return 'fake: [json] asked without responseMimeType application/json'
  return null
}

function firstFunction(body: Record<string, unknown>): string | undefined {
  const tools = (body.tools as { functionDeclarations?: { name?: string }[] }[] | undefined) ?? []
  return tools.flatMap((t) => t.functionDeclarations ?? [])[0]?.name
}

export async function startFakeGemini(apiKey = 'fake-gemini-key'): Promise<FakeGemini> {
  const fake: FakeGemini = { url: '', apiKey, calls: [], close: async () => {} }
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const url = new URL(req.url ?? '/', 'http://fake')
    const route = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(url.pathname)
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>
    } catch {
      return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'))
    }
    const key = (req.headers['x-goog-api-key'] as string | undefined) ?? url.searchParams.get('key') ?? undefined
    const call: GeminiCall = { path: `${url.pathname}${url.search}`, model: route?.[1] ?? '', stream: route?.[2] === 'streamGenerateContent', body, apiKey: key, aborted: false }
    fake.calls.push(call)
    res.on('close', () => {
      if (!res.writableFinished) call.aborted = true
    })
    if (!key) return send(res, 403, googleError(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.'))
    if (key !== apiKey)
      return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]))
    if (req.method !== 'POST' || !route) return send(res, 404, googleError(404, 'NOT_FOUND', `models/${route?.[1] ?? ''} is not found for API version v1beta, or is not supported for this method.`))
    if (call.stream && url.searchParams.get('alt') !== 'sse') return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'fake: streams are served as SSE only (alt=sse)'))

    if (route[2] === 'batchEmbedContents') return serveEmbeddings(res, route[1], body)
    const text = lastUserText(body)
    if (text.includes('[fault:429]'))
      return send(res, 429, googleError(429, 'RESOURCE_EXHAUSTED', RATE_LIMIT_MESSAGE, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }]))
    if (text.includes('[fault:500]')) return send(res, 500, googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'))
    if (text.includes('[fault:503]')) return send(res, 503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'))
    const refused = invalid(body, text)
    if (refused) return send(res, 400, googleError(400, 'INVALID_ARGUMENT', refused))

    const config = (body.generationConfig ?? {}) as { maxOutputTokens?: number; candidateCount?: number; thinkingConfig?: { includeThoughts?: boolean } }
    const n = config.candidateCount ?? 1
    const cap = config.maxOutputTokens ?? Infinity
    const fn = text.includes('[tool]') ? firstFunction(body) : undefined
    const image = text.includes('[image-out]')
    const natural = FAKE_USAGE.candidates + (image ? FAKE_USAGE.image : 0)
    const tokens = Math.min(natural, cap)
    const cut = tokens < natural
    const longStream = text.includes('[fault:long-stream]')
    const allPieces = text.includes('[json]') ? ['{"answer":', '"ok"}'] : longStream ? Array.from({ length: 200 }, (_, i) => ` word${i}`) : FAKE_REPLY
    // A cut answer says only the share of the reply that fits.
    const pieces = cut ? allPieces.slice(0, Math.max(1, Math.floor((allPieces.length * tokens) / natural))) : allPieces
    const thoughts = text.includes('[reasoning]') ? FAKE_USAGE.thoughts : 0
    const usage = {
      promptTokenCount: FAKE_USAGE.prompt,
      candidatesTokenCount: tokens * n,
      totalTokenCount: FAKE_USAGE.prompt + tokens * n + thoughts,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: FAKE_USAGE.prompt }],
      ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
      ...(text.includes('[cached]') ? { cachedContentTokenCount: FAKE_USAGE.cached, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: FAKE_USAGE.cached }] } : {}),
      ...(image && !cut ? { candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: FAKE_USAGE.candidates * n }, { modality: 'IMAGE', tokenCount: FAKE_USAGE.image * n }] } : {}),
    }
    const finishReason = cut ? 'MAX_TOKENS' : 'STOP'
    const thoughtPart = thoughts && config.thinkingConfig?.includeThoughts ? [{ text: FAKE_THOUGHT, thought: true }] : []
    const callParts = fn ? [{ functionCall: { name: fn, args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' }, { functionCall: { name: fn, args: { city: 'Rome' } } }] : []
    const imageParts = image && !cut ? [{ inlineData: { mimeType: 'image/png', data: FAKE_IMAGE } }] : []
    const responseId = `fake-${fake.calls.length}`
    // Google names the model that answered; [served:ID] plays a floating alias (gemini-flash-latest) resolved to ID.
    const modelVersion = /\[served:([a-z0-9.-]{1,60})\]/.exec(text)?.[1] ?? call.model
    const envelope = (candidates: unknown[], usageMetadata: unknown) => ({ candidates, usageMetadata, modelVersion, responseId })
    const candidate = (index: number, parts: Part[], finish?: string) => ({ content: { role: 'model', parts }, index, ...(finish ? { finishReason: finish } : {}) })
    const indexes = Array.from({ length: n }, (_, i) => i)

    if (text.includes('[blocked]')) {
      const blocked = { promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] }, usageMetadata: { promptTokenCount: FAKE_USAGE.prompt, totalTokenCount: FAKE_USAGE.prompt }, modelVersion: call.model, responseId }
      if (!call.stream) return send(res, 200, blocked)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      return res.end(`data: ${JSON.stringify(blocked)}\r\n\r\n`)
    }
    if (!call.stream) {
      const parts = [...thoughtPart, ...(fn ? callParts : [{ text: pieces.join('') }]), ...imageParts]
      return send(res, 200, envelope(indexes.map((i) => candidate(i, parts, finishReason)), usage))
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const write = (data: unknown) => !res.destroyed && res.write(`data: ${JSON.stringify(data)}\r\n\r\n`)
    const partial = { promptTokenCount: FAKE_USAGE.prompt, totalTokenCount: FAKE_USAGE.prompt }
    if (thoughtPart.length) write(envelope(indexes.map((i) => candidate(i, thoughtPart)), partial))
    if (fn) {
      write(envelope(indexes.map((i) => candidate(i, callParts, finishReason)), usage))
      return res.end()
    }
    const fault = ['stream-error', 'stall', 'truncate'].find((f) => text.includes(`[fault:${f}]`))
    const delay = longStream ? 40 : 5
    for (const [i, piece] of pieces.entries()) {
      if (res.destroyed) return
      if (fault && i === CUT_REPLY.length) {
        if (fault === 'stream-error') write(googleError(500, 'INTERNAL', 'An internal error has occurred mid-stream.'))
        if (fault === 'stall') return untilClosed(res)
        return res.end()
      }
      const last = i === pieces.length - 1
      const parts = [{ text: piece }, ...(last ? imageParts : [])]
      write(envelope(indexes.map((c) => candidate(c, parts, last ? finishReason : undefined)), last ? usage : partial))
      await sleep(delay)
    }
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return fake
}
