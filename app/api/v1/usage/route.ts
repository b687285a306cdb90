// GET /api/v1/usage — the caller's plan, period, use against each limit, and costs.
import { gatewayReadRoute } from '@/lib/gateway/pipeline'
import { getUserUsage } from '@/lib/usage/summary'

export const GET = gatewayReadRoute(async (_request, identity) => Response.json(await getUserUsage(identity.userId)))
