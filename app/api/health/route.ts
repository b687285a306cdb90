// GET /api/health — liveness and database reachability, for load balancers and tests.
import { checkDatabase } from '@/lib/db/health'

export const dynamic = 'force-dynamic'

// Anyone may call this, so it says only ok or degraded: the reason (a driver error naming a
// host, port or database) goes to the server log.
export async function GET() {
  const { ok } = await checkDatabase()
  return Response.json({ status: ok ? 'ok' : 'degraded' }, { status: ok ? 200 : 503 })
}
