import type { z } from 'zod'
import { GatewayError } from '@/lib/gateway/errors'
import { BODY_LIMITS, BodyReadError, isJsonContentType, readTextCapped } from '@/lib/http/body'

export const MAX_BODY_BYTES = BODY_LIMITS.gateway

/** The body as text, at most MAX_BODY_BYTES (refused as soon as more arrives), or a GatewayError. */
async function readLimited(request: Request): Promise<string> {
  try {
    return await readTextCapped(request, MAX_BODY_BYTES)
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error
    throw new GatewayError(error.reason === 'too_large' ? 'payload_too_large' : 'client_closed_request', error.message)
  }
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

/** The raw JSON object of a gateway request, or a precise 4xx. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? ''
  if (!isJsonContentType(type)) throw new GatewayError('unsupported_media_type', 'Content-Type must be application/json')
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
