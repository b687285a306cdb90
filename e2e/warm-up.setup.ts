// `next dev` compiles each route on its first request and may reload an open page while it
// does; compiling the routes once before the tests keeps that noise out of them. Signed out,
// the proxy answers app pages with a redirect to /login before they compile, so the warm-up
// signs a user in first; and each page must render (200), so a page that fails to compile or
// render stops the run here, named, rather than as noise in a later test.
import { randomUUID } from 'node:crypto'
import { expect, test as setup } from '@playwright/test'
import { PASSWORD } from './helpers'

setup('compile every page once, signed in, and see each one render', async ({ request }) => {
  setup.setTimeout(180_000)
  const signup = await request.post('/api/auth/signup', { data: { email: `warm-up-${randomUUID()}@example.test`, password: PASSWORD } })
  expect(signup.status(), await signup.text()).toBe(201)
  for (const path of ['/', '/signup', '/login', '/studio', '/settings/usage', '/settings/activity', '/settings/security', '/settings/profile', '/settings/account', '/api/health']) {
    const response = await request.get(path, { maxRedirects: 0 })
    expect(response.status(), path).toBe(200)
  }
})
