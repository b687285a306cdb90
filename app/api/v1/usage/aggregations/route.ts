// GET /api/v1/usage/aggregations?period=day|week|month&from&to — the caller's usage rollups.
import { validate } from '@/lib/gateway/body'
import { gatewayReadRoute } from '@/lib/gateway/pipeline'
import { AggregationQuerySchema, getUserAggregations } from '@/lib/usage/aggregations'

export const GET = gatewayReadRoute(async (request, identity) =>
  Response.json(await getUserAggregations(identity.userId, validate(AggregationQuerySchema, Object.fromEntries(new URL(request.url).searchParams)))),
)
