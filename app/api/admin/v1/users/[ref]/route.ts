// GET /api/admin/v1/users/{ref} — a user's terms and use; PATCH — change plan, limits, budget, enforcement, rates.
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { UpdateUserSchema } from '@/lib/admin/api/schemas'
import { getUserDetail, requireUserOfPath, updateUser } from '@/lib/admin/api/users'
import { BODY_LIMITS, readJson } from '@/lib/http/body'

export const GET = adminRoute(async ({ request }) => json(await getUserDetail(await requireUserOfPath(request))))

export const PATCH = adminRoute(async ({ request, actor }) => {
  const user = await requireUserOfPath(request)
  const terms = await updateUser(actor, user, await readJson(request, UpdateUserSchema, BODY_LIMITS.form))
  return json({ object: 'user.terms', user, terms })
})

const notAllowed = adminNotAllowed(['GET', 'PATCH'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as DELETE, notAllowed as OPTIONS }
