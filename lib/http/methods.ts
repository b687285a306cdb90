// Wrong methods on the gateway's routes. Next answers a method a route file does not export
// with a bare 405 and no body; the OpenAI SDKs then show an empty error. Each /api/v1 route
// exports the methods it does not serve as this handler, so the answer is OpenAI's JSON 405
// ("Invalid method for URL") with an Allow header, in the edge's own error shape.
import { AppError, errorResponse } from '@/lib/errors'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type Renderer = (error: AppError, headers?: Record<string, string>) => Response

/** The handler for every method a route does not serve; `allowed` are those it does. */
export function methodNotAllowed(allowed: readonly Method[], render: Renderer = errorResponse) {
  const allow = allowed.join(', ')
  return (request: Request): Response => {
    const path = new URL(request.url).pathname.slice(0, 200)
    const error = new AppError('method_not_allowed', `Invalid method for URL (${request.method} ${path}): this endpoint serves ${allowed.join(' and ')}.`)
    return render(error, { allow })
  }
}
