// Runs before pages render. Two jobs: keep a Supabase session fresh (its tokens expire
// hourly), and send signed-out visitors of app pages to /login. It is a convenience, not the
// security boundary: pages, actions and route handlers check identity themselves.
import { createServerClient } from '@supabase/ssr'
import { NextResponse, type NextRequest } from 'next/server'
import { SESSION_COOKIE, verifySession } from '@/lib/auth/session'
import { authBackend, env } from '@/lib/env'
import { AppError, errorResponse } from '@/lib/errors'

const PROTECTED = ['/studio', '/settings']

async function refreshSupabaseSession(request: NextRequest): Promise<{ response: NextResponse; signedIn: boolean }> {
  let response = NextResponse.next({ request })
  const supabase = createServerClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll: (list, headers) => {
        for (const { name, value } of list) request.cookies.set(name, value)
        response = NextResponse.next({ request })
        for (const { name, value, options } of list) response.cookies.set(name, value, options)
        // No-cache headers from @supabase/ssr: a CDN must never serve one user's fresh session to another.
        for (const [key, value] of Object.entries(headers ?? {})) response.headers.set(key, value)
      },
    },
  })
  const { data } = await supabase.auth.getUser()
  return { response, signedIn: Boolean(data.user) }
}

/** Whether every percent-escape in `path` decodes (no `%ZZ`, no encoded invalid UTF-8). */
function decodable(path: string): boolean {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

export async function proxy(request: NextRequest) {
  // Next.js answers a dynamic API route whose id segment does not decode (/api/keys/%ZZ) with a
  // bare 500 of its own, before the handler runs; refuse it here as the bad request it is. API
  // routes need nothing else from this proxy.
  if (request.nextUrl.pathname.startsWith('/api/'))
    return decodable(request.nextUrl.pathname)
      ? NextResponse.next()
      : errorResponse(new AppError('invalid_request', 'The request path is not valid percent-encoding'))

  const { response, signedIn } =
    authBackend === 'supabase'
      ? await refreshSupabaseSession(request)
      : { response: NextResponse.next(), signedIn: Boolean(await verifySession(request.cookies.get(SESSION_COOKIE)?.value)) }

  const { pathname, search } = request.nextUrl
  if (!signedIn && PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    const login = new URL('/login', request.url)
    login.searchParams.set('next', `${pathname}${search}`)
    const redirect = NextResponse.redirect(login)
    // Carry Supabase's cookie changes over: a session ended elsewhere is cleared here, or the
    // browser would keep sending it and every page view would ask Supabase about it again.
    for (const cookie of response.cookies.getAll()) redirect.cookies.set(cookie)
    return redirect
  }
  return response
}

export const config = {
  // Pages, and the dynamic API routes for the path check above: the gateway and auth APIs
  // authenticate each request themselves, and static files need no session.
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)', '/api/keys/:id*', '/api/v1/videos/generations/:id*', '/api/admin/v1/:path*'],
}
