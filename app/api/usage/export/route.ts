// GET /api/usage/export?service&status&model&campaign&from&to — the signed-in user's filtered usage as CSV, streamed.
import { getUser } from '@/lib/auth'
import { jsonError, jsonRoute } from '@/lib/http/json'
import { exportUsageCsv, HistoryQuerySchema } from '@/lib/usage/history'

export const GET = jsonRoute(async (request: Request) => {
  const user = await getUser()
  if (!user) return jsonError(401, 'unauthorized', 'Sign in to export your usage')
  const parsed = HistoryQuerySchema.omit({ limit: true, cursor: true }).safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return jsonError(400, 'invalid_request', `${issue.path.join('.')}: ${issue.message}`)
  }
  return new Response(exportUsageCsv(user.id, parsed.data), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="tollgate-usage-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  })
})
