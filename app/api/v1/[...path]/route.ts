// Any /api/v1 path no route serves: OpenAI's JSON 404 (code unknown_url), never Next's HTML
// page, which the SDKs would paste raw into their error messages. Routes that exist win over
// this catch-all; a wrong method on one of them answers a JSON 405 (lib/http/methods.ts).
import { AppError, errorResponse } from '@/lib/errors'

function unknownUrl(request: Request): Response {
  const path = new URL(request.url).pathname.slice(0, 200)
  return errorResponse(new AppError('unknown_url', `Invalid URL (${request.method} ${path}): no such endpoint. GET /api/v1/models lists the models; the README lists the endpoints.`))
}

export const GET = unknownUrl
export const POST = unknownUrl
export const PUT = unknownUrl
export const PATCH = unknownUrl
export const DELETE = unknownUrl
