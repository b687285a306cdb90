// POST /api/auth/login — checks email and password and starts a session (JSON in, cookie out).
import { signIn } from '@/lib/auth'
import { authResponse } from '@/lib/auth/respond'
import { SignInSchema } from '@/lib/auth/types'
import { BODY_LIMITS, readJson } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'

export const POST = apiRoute({ auth: 'none' }, async ({ request }) => authResponse(await signIn(await readJson(request, SignInSchema, BODY_LIMITS.form))))
