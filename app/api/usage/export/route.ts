// GET /api/usage/export?service&status&model&campaign&from&to — the caller's filtered usage as CSV, streamed (session or API key).
import { validate } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'
import { exportUsageCsv, HistoryQuerySchema } from '@/lib/usage/history'

const ExportQuerySchema = HistoryQuerySchema.omit({ limit: true, cursor: true })

export const GET = apiRoute({ auth: 'session-or-key' }, async ({ request, identity }) => {
  const query = validate(ExportQuerySchema, Object.fromEntries(new URL(request.url).searchParams))
  return new Response(exportUsageCsv(identity.userId, query), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="tollgate-usage-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  })
})
