// POST /api/admin/v1/users — find or create a user by email and/or external id (201 created, 200 found).
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { CreateUserSchema } from '@/lib/admin/api/schemas'
import { createOrFindUser } from '@/lib/admin/api/users'
import { BODY_LIMITS, readJson } from '@/lib/http/body'

export const POST = adminRoute(async ({ request, actor }) => {
  const result = await createOrFindUser(actor, await readJson(request, CreateUserSchema, BODY_LIMITS.form))
  return json(result, result.created ? 201 : 200)
})

const notAllowed = adminNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }
