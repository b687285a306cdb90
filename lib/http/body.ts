// The one way a route reads a request body: streamed, counted as it arrives, and refused the
// moment it passes the route's cap. Nothing larger than the cap is ever held in memory (a 40 MB
// login body used to be read whole before its size was checked: ~1 s of work and 40 MB of heap
// per request, a few in parallel pressed the 192 MB heap). Every refusal is an AppError with a
// precise 4xx: 413 too large, 415 not JSON, 400 not parseable / not an object / too deep /
// invalid (naming the field), 499 the client went away.
import type { z } from 'zod'
import { AppError } from '@/lib/errors'

/** Per-route caps, in bytes. */
export const BODY_LIMITS = {
  /** Sign-up, sign-in, API keys: a few short fields. */
  form: 16 * 1024,
  /** Stripe events (a subscription with its items is a few KB; Stripe sends nothing near this). */
  webhook: 1024 * 1024,
  /** Gateway calls: prompts, tool schemas, a base64 image or two. */
  gateway: 1024 * 1024,
  /**
   * Embeddings: OpenAI takes up to 300,000 tokens a request, which as token ids ("123456,") is
   * about 2.1 MB of JSON; text of that many tokens is ~1.2 MB of English, more when escaped.
   * Counting it is bounded (lib/gateway/embeddings-count.ts), so 4 MiB admits every valid request.
   */
  embeddings: 4 * 1024 * 1024,
} as const

function describe(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`
}

const tooLarge = (max: number) => new AppError('payload_too_large', `Request body exceeds ${describe(max)}`)

/**
 * Past this, the rest of a refused body is not even read: the connection is reset. Below it,
 * the rest is read and dropped chunk by chunk (memory stays flat) while the 413 goes out, so
 * the client sees the answer: a socket reset with its upload unread can lose the response
 * already on its way.
 */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024

/** Reads and drops the rest of a refused body in the background, up to DISCARD_MAX_BYTES in all. */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, read: number): void {
  void (async () => {
    let total = read
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      total += value.byteLength
      if (total > DISCARD_MAX_BYTES) return void (await reader.cancel())
    }
  })().catch(() => {})
}

/**
 * The body's bytes, at most `maxBytes`. A declared Content-Length over the cap is refused
 * before reading anything; an undeclared (chunked) body as soon as it passes the cap. Nothing
 * past the cap is kept (see discardRest). Throws AppError.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length'))
  if (!request.body) {
    if (declared > maxBytes) throw tooLarge(maxBytes)
    return Buffer.alloc(0)
  }
  const reader = request.body.getReader()
  if (declared > maxBytes) {
    if (declared > DISCARD_MAX_BYTES) await reader.cancel().catch(() => {})
    else discardRest(reader, 0)
    throw tooLarge(maxBytes)
  }
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      // The only way reading our own request fails: the client went away mid-body.
      throw new AppError('client_closed_request', 'The client closed the connection while sending the request')
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > maxBytes) {
      discardRest(reader, size)
      throw tooLarge(maxBytes)
    }
    parts.push(chunk.value)
  }
  return Buffer.concat(parts, size)
}

/** The body as UTF-8 text (invalid sequences become U+FFFD, as request.text() does). */
export async function readTextCapped(request: Request, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBodyCapped(request, maxBytes))
}

/**
 * Whether the Content-Type is JSON: exactly application/json, parameters aside. A prefix test
 * let application/jsonp and application/json-seq through.
 */
export function isJsonContentType(header: string | null): boolean {
  const essence = (header ?? '').split(';', 1)[0].trim().toLowerCase()
  return essence === 'application/json'
}

// Deeper than any real request (tool schemas nest a few dozen levels at most). JSON.parse copes
// with 500,000 levels in 1 MiB, but JSON.stringify, which forwards the body, overflows the stack
// long before: such a body was admitted, then failed with 500.
export const MAX_JSON_DEPTH = 64

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative: no stack to overflow). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [item, depth] = stack.pop()!
    if (!item || typeof item !== 'object') continue
    if (depth > max) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}

/** The body as a JSON object, at most `maxBytes`, before validation (the gateway keeps the raw model for its row). */
export async function readJsonObject(request: Request, maxBytes: number, size?: { chars?: number }): Promise<Record<string, unknown>> {
  if (!isJsonContentType(request.headers.get('content-type'))) throw new AppError('unsupported_media_type', 'Content-Type must be application/json')
  const text = await readTextCapped(request, maxBytes)
  // The body's length, for a caller that bounds what grows with it without reading it twice.
  if (size) size.chars = text.length
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new AppError('invalid_request', `Request body is not valid JSON: ${(error as Error).message}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AppError('invalid_request', 'Request body must be a JSON object')
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new AppError('invalid_request', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`)
  return value as Record<string, unknown>
}

/** Validates a body or a query; the first problem becomes a 400 naming its field (`param`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const param = issue.path.map(String).join('.') || undefined
  throw new AppError('invalid_request', param ? `${param}: ${issue.message}` : issue.message, { param })
}

/** A JSON body read under `maxBytes` and validated with `schema`; throws AppError with the precise 4xx. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxBytes: number): Promise<z.infer<S>> {
  return validate(schema, await readJsonObject(request, maxBytes))
}
