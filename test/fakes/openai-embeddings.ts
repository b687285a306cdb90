// The fake OpenAI's embeddings and moderations (dispatched from test/fakes/openai.ts), in
// OpenAI's exact shapes. Embeddings: one vector per input, `dimensions` long (else the model's
// size), float arrays or base64 little-endian float32 as `encoding_format` asks, values
// derived from the input (fakeVector says which); as Mistral it refuses base64, usage counted with cl100k as OpenAI counts;
// "[fault:no-usage]" in an input answers without usage. Moderations: one result per string,
// "[flag]" in a text flags violence; category_applied_input_types for omni models.
import type { ServerResponse } from 'node:http'
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base'

// mistral-embed: the same fake stands for Mistral (an OpenAI-compatible host) in tests.
const SIZES: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536, 'mistral-embed': 1024 }

/** The fake's vector for an input: value i is (length of the input + i) / 1024, exactly representable in float32. */
export function fakeVector(input: string | number[], dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, i) => (input.length + i) / 1024)
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `fake_${Date.now()}` })
  res.end(JSON.stringify(body))
}

const base64 = (values: number[]) => {
  const bytes = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4))
  return bytes.toString('base64')
}

/** POST /embeddings and /moderations; false for any other path (the chat fake answers those). */
export function serveEmbeddingsOrModerations(path: string, body: Record<string, unknown>, res: ServerResponse): boolean {
  if (path === '/embeddings') {
    const model = String(body.model)
    const size = SIZES[model]
    if (!size) return send(res, 404, { error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } }), true
    if (body.dimensions !== undefined && model === 'text-embedding-ada-002')
      return send(res, 400, { error: { message: 'This model does not support specifying dimensions.', type: 'invalid_request_error', param: null, code: null } }), true
    if (body.encoding_format === 'base64' && model === 'mistral-embed')
      return send(res, 422, { object: 'error', message: 'encoding_format: base64 is not supported by this fake host', type: 'invalid_request_error' }), true
    const input = body.input as string | string[] | number[] | number[][]
    const items: (string | number[])[] = typeof input === 'string' ? [input] : typeof input[0] === 'number' ? [input as number[]] : (input as (string | number[])[])
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : size
    const tokens = items.reduce((sum: number, item) => sum + (typeof item === 'string' ? countTokens(item) : item.length), 0)
    const silent = items.some((item) => typeof item === 'string' && item.includes('[fault:no-usage]'))
    send(res, 200, {
      object: 'list',
      data: items.map((item, index) => {
        const vector = fakeVector(item, dimensions)
        return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64(vector) : vector }
      }),
      model,
      ...(silent ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }),
    })
    return true
  }
  if (path === '/moderations') {
    const model = String(body.model ?? 'omni-moderation-latest')
    if (body.encoding_format === 'base64' && model === 'mistral-embed')
      return send(res, 422, { object: 'error', message: 'encoding_format: base64 is not supported by this fake host', type: 'invalid_request_error' }), true
    const input = body.input as string | string[] | { type: string; text?: string }[]
    const texts = typeof input === 'string' ? [input] : input.every((i) => typeof i === 'string') ? (input as string[]) : [(input as { text?: string }[]).map((p) => p.text ?? '').join('\n')]
    const categories = ['harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm', 'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic']
    send(res, 200, {
      id: `modr-fake-${Date.now()}`,
      model: model === 'omni-moderation-latest' ? 'omni-moderation-2024-09-26' : model,
      results: texts.map((text) => {
        const flagged = text.includes('[flag]')
        return {
          flagged,
          categories: Object.fromEntries(categories.map((c) => [c, flagged && c === 'violence'])),
          category_scores: Object.fromEntries(categories.map((c) => [c, flagged && c === 'violence' ? 0.97 : 0.0001])),
          ...(model.startsWith('omni-') ? { category_applied_input_types: Object.fromEntries(categories.map((c) => [c, ['text']])) } : {}),
        }
      }),
    })
    return true
  }
  return false
}
