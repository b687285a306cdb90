// GET /api/admin/v1/openapi.json — the operator API's OpenAPI 3.1 document (admin key required, like every path here).
import { buildOpenApiDocument } from '@/lib/admin/api/openapi'
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'

export const GET = adminRoute(async ({ request }) => json(buildOpenApiDocument(new URL(request.url).origin)))

const notAllowed = adminNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as OPTIONS }
