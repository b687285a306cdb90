// GET /api/usage/events — server-sent events: "your usage changed", for the signed-in user's open Usage tab.
import { apiRoute } from '@/lib/http/route'
import { usageEventStream } from '@/lib/usage/event-stream'
import { usageEvents } from '@/lib/usage/live'

// A stream per request, never cached or prerendered.
export const dynamic = 'force-dynamic'

// The session only: the tab is a page of the signed-in app (an API key gets 401).
export const GET = apiRoute({ auth: 'session', signedOut: 'Sign in to follow your usage' }, async ({ request, identity }) => {
  const hub = usageEvents()
  return new Response(usageEventStream(identity.userId, (id, listener) => hub.subscribe(id, listener), request.signal), {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      // nginx buffers responses unless told not to; a buffered stream would arrive all at once.
      'x-accel-buffering': 'no',
    },
  })
})
