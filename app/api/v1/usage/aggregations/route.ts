// GET /api/v1/usage/aggregations?period=day|week|month&from&to — the caller's usage rollups.
import { validate } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'
import { AggregationQuerySchema, getUserAggregations } from '@/lib/usage/aggregations'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute({ auth: 'session-or-key' }, async ({ request, identity }) =>
  Response.json(await getUserAggregations(identity.userId, validate(AggregationQuerySchema, Object.fromEntries(new URL(request.url).searchParams)))),
)

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
