// POST /api/admin/v1/users/{ref}/holds/release — release every admission hold of the user; how many.
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { requireUserOfPath } from '@/lib/admin/api/users'
import { releaseUserHolds } from '@/lib/admin/manage'

export const POST = adminRoute(async ({ request, actor }) => json({ released: await releaseUserHolds(actor, (await requireUserOfPath(request)).id) }))

const notAllowed = adminNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }
