// `next dev` compiles each route on its first request and may reload an open page while it
// does; compiling the routes once before the tests keeps that noise out of them. Signed out,
// the proxy answers app pages with a redirect to /login before they compile (and signed in,
// /login and /signup redirect to the app), so the warm-up visits the public pages first, then
// signs a user up and visits the app's. Each page must render (200): a page that fails to
// compile or render stops the run here, named, rather than as noise in a later test.
import { randomUUID } from 'node:crypto'
import { expect, test as setup } from '@playwright/test'
import { PASSWORD } from './helpers'

setup('compile every page once and see each one render', async ({ request }) => {
  setup.setTimeout(180_000)
  const visit = async (path: string) => expect((await request.get(path, { maxRedirects: 0 })).status(), path).toBe(200)
  for (const path of ['/', '/signup', '/login', '/api/health']) await visit(path)
  // Route handlers that only compile on first use, asked while signed out (their answers do not
  // matter here; signed in, /api/usage/events would stream for ever).
  for (const path of ['/api/usage/events', '/api/keys', '/api/v1/chat/completions']) await request.get(path, { maxRedirects: 0 })
  const signup = await request.post('/api/auth/signup', { data: { email: `warm-up-${randomUUID()}@example.test`, password: PASSWORD } })
  expect(signup.status(), await signup.text()).toBe(201)
  for (const path of ['/studio', '/settings/usage', '/settings/activity', '/settings/security', '/settings/profile', '/settings/account']) await visit(path)
})
