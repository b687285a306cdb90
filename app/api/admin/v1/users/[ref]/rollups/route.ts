// GET /api/admin/v1/users/{ref}/rollups?period=day|week|month&from&to — the user's usage rollups.
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { listUserRollups } from '@/lib/admin/api/usage'
import { AdminRollupQuerySchema } from '@/lib/admin/api/usage-schemas'
import { requireUserOfPath } from '@/lib/admin/api/users'
import { validate } from '@/lib/http/body'

export const GET = adminRoute(async ({ request }) => {
  const query = validate(AdminRollupQuerySchema, Object.fromEntries(new URL(request.url).searchParams))
  return json(await listUserRollups(await requireUserOfPath(request), query))
})

const notAllowed = adminNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as OPTIONS }
