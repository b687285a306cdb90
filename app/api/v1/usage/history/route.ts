// GET /api/v1/usage/history?limit&cursor&service&campaign — the caller's calls, newest first.
import { AppError } from '@/lib/errors'
import { validate } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'
import { decodeCursor, HistoryQuerySchema, listUsageHistory } from '@/lib/usage/history'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute({ auth: 'session-or-key' }, async ({ request, identity }) => {
  const query = validate(HistoryQuerySchema, Object.fromEntries(new URL(request.url).searchParams))
  const after = query.cursor ? decodeCursor(query.cursor) : null
  if (query.cursor && !after) throw new AppError('invalid_request', 'cursor: is not a cursor this API returned', { param: 'cursor' })
  return Response.json(await listUsageHistory(identity.userId, query, after))
})

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
