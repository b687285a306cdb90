// @ts-check
// POST /forward: the body to the fake upstream and its answer back, with no auth, no database
// and no metering: the floor a gateway built on Next.js route handlers stands on. Plain
// JavaScript, so building this app writes no TypeScript setup into the folder.

/** @param {Request} request */
export async function POST(request) {
  const upstream = await fetch(`${process.env.BARE_UPSTREAM_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: request.headers.get('x-upstream-authorization') ?? '' },
    body: await request.text(),
  })
  return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' } })
}
