// POST /api/auth/signup — creates an account and starts a session (JSON in, cookie out).
import { signUp } from '@/lib/auth'
import { authResponse } from '@/lib/auth/respond'
import { SignUpSchema } from '@/lib/auth/types'
import { BODY_LIMITS, readJson } from '@/lib/http/body'
import { apiRoute } from '@/lib/http/route'

export const POST = apiRoute({ auth: 'none' }, async ({ request }) => authResponse(await signUp(await readJson(request, SignUpSchema, BODY_LIMITS.form)), 201))
