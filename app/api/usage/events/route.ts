// GET /api/usage/events — server-sent events: "your usage changed", for the signed-in user's open Usage tab.
import { getUser } from '@/lib/auth'
import { jsonError, jsonRoute } from '@/lib/http/json'
import { usageEventStream } from '@/lib/usage/event-stream'
import { usageEvents } from '@/lib/usage/live'

// A stream per request, never cached or prerendered.
export const dynamic = 'force-dynamic'

export const GET = jsonRoute(async (request: Request) => {
  const user = await getUser()
  if (!user) return jsonError(401, 'unauthorized', 'Sign in to follow your usage')
  const hub = usageEvents()
  return new Response(usageEventStream(user.id, (id, listener) => hub.subscribe(id, listener), request.signal), {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      // nginx buffers responses unless told not to; a buffered stream would arrive all at once.
      'x-accel-buffering': 'no',
    },
  })
})
