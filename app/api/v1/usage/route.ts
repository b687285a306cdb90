// GET /api/v1/usage — the caller's plan, period, use against each limit, and costs.
import { apiRoute } from '@/lib/http/route'
import { getUserUsage } from '@/lib/usage/summary'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute({ auth: 'session-or-key' }, async ({ identity }) => Response.json(await getUserUsage(identity.userId)))

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
