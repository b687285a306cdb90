// POST /api/bench/forward — benchmarks only (BENCH_FORWARD_URL set): forwards the body to the
// fake upstream with no auth, no database, no metering. The floor any Next.js gateway has.
import { env } from '@/lib/env'

export async function POST(request: Request) {
  if (!env.BENCH_FORWARD_URL) return new Response(null, { status: 404 })
  const upstream = await fetch(`${env.BENCH_FORWARD_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: request.headers.get('x-upstream-authorization') ?? '' },
    body: await request.text(),
  })
  return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' } })
}
