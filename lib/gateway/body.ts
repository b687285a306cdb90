import type { z } from 'zod'
import { GatewayError } from '@/lib/gateway/errors'

export const MAX_BODY_BYTES = 1024 * 1024

/** Reads at most MAX_BODY_BYTES, refusing more as soon as it arrives (nothing larger is buffered). */
async function readLimited(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length'))
  if (declared > MAX_BODY_BYTES) throw tooLarge()
  if (!request.body) return ''
  const reader = request.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      // The only way reading our own request fails: the client went away mid-body.
      throw new GatewayError('client_closed_request', 'The client closed the connection while sending the request')
    }
    const { done, value } = chunk
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    parts.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(parts))
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

const tooLarge = () => new GatewayError('payload_too_large', `Request body exceeds ${MAX_BODY_BYTES / 1024 / 1024} MiB`)

/** The raw JSON object of a gateway request, or a precise 4xx. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw new GatewayError('unsupported_media_type', 'Content-Type must be application/json')
  const text = await readLimited(request)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new GatewayError('invalid_request', `Request body is not valid JSON: ${(error as Error).message}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new GatewayError('invalid_request', 'Request body must be a JSON object')
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new GatewayError('invalid_request', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`)
  return value as Record<string, unknown>
}

/** Validates a parsed body; the first problem becomes a 400 naming its field (`param`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const param = issue.path.map(String).join('.') || undefined
  throw new GatewayError('invalid_request', param ? `${param}: ${issue.message}` : issue.message, { param })
}
