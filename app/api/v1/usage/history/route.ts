// GET /api/v1/usage/history?limit&cursor&service&campaign — the caller's calls, newest first.
import { validate } from '@/lib/gateway/body'
import { GatewayError } from '@/lib/gateway/errors'
import { gatewayReadRoute } from '@/lib/gateway/pipeline'
import { decodeCursor, HistoryQuerySchema, listUsageHistory } from '@/lib/usage/history'

export const GET = gatewayReadRoute(async (request, identity) => {
  const query = validate(HistoryQuerySchema, Object.fromEntries(new URL(request.url).searchParams))
  const after = query.cursor ? decodeCursor(query.cursor) : null
  if (query.cursor && !after) throw new GatewayError('invalid_request', 'cursor: is not a cursor this API returned', { param: 'cursor' })
  return Response.json(await listUsageHistory(identity.userId, query, after))
})
