// GET /api/admin/v1/users/{ref}/usage?limit&cursor&service&status&model&request_id&from&to — the user's calls, newest first.
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { listUserCalls } from '@/lib/admin/api/usage'
import { AdminHistoryQuerySchema } from '@/lib/admin/api/usage-schemas'
import { requireUserOfPath } from '@/lib/admin/api/users'
import { validate } from '@/lib/http/body'

export const GET = adminRoute(async ({ request }) => {
  const query = validate(AdminHistoryQuerySchema, Object.fromEntries(new URL(request.url).searchParams))
  return json(await listUserCalls(await requireUserOfPath(request), query))
})

const notAllowed = adminNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as OPTIONS }
