// GET /api/admin/v1/users/{ref}/keys — the user's keys; POST — issue one (shown once); DELETE — revoke all.
import { adminNotAllowed, adminRoute, json } from '@/lib/admin/api/route'
import { CreateKeySchema } from '@/lib/admin/api/schemas'
import { requireUserOfPath } from '@/lib/admin/api/users'
import { createUserKey, revokeUserKeys } from '@/lib/admin/manage'
import { BODY_LIMITS, readJson } from '@/lib/http/body'
import { listApiKeys } from '@/lib/keys/api-keys'

export const GET = adminRoute(async ({ request }) => json({ object: 'list', data: await listApiKeys((await requireUserOfPath(request)).id) }))

export const POST = adminRoute(async ({ request, actor }) => {
  const user = await requireUserOfPath(request)
  const { name } = await readJson(request, CreateKeySchema, BODY_LIMITS.form)
  return json(await createUserKey(actor, user.id, name), 201)
})

export const DELETE = adminRoute(async ({ request, actor }) => json({ revoked: await revokeUserKeys(actor, (await requireUserOfPath(request)).id) }))

const notAllowed = adminNotAllowed(['GET', 'POST', 'DELETE'])
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as OPTIONS }
