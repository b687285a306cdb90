// Any /api/admin/v1 path no route serves: the same JSON 404 a caller without an admin key gets
// on every path, so a path's existence tells a stranger nothing.
import { noSuchEndpoint } from '@/lib/admin/api/route'
import { errorResponse } from '@/lib/errors'

function notFound(request: Request): Response {
  return errorResponse(noSuchEndpoint(request))
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE, notFound as HEAD, notFound as OPTIONS }
