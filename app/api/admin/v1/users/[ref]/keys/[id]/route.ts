// DELETE /api/admin/v1/users/{ref}/keys/{id} — revoke one of the user's keys (204; 404 when no such active key).
import { adminNotAllowed, adminRoute } from '@/lib/admin/api/route'
import { requireUserOfPath } from '@/lib/admin/api/users'
import { revokeUserKey } from '@/lib/admin/manage'
import { AppError } from '@/lib/errors'

export const DELETE = adminRoute<{ id: string }>(async ({ request, params, actor }) => {
  const user = await requireUserOfPath(request)
  if (!(await revokeUserKey(actor, user.id, params.id))) throw new AppError('not_found', 'The user has no such active key.', { param: 'id' })
  return new Response(null, { status: 204 })
})

const notAllowed = adminNotAllowed(['DELETE'])
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as HEAD, notAllowed as OPTIONS }
