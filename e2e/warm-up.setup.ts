// `next dev` compiles each route on its first request and may reload an open page while it
// does; compiling the routes once before the tests keeps that noise out of them.
import { test as setup } from '@playwright/test'

setup('compile the routes once', async ({ request }) => {
  setup.setTimeout(180_000)
  for (const path of ['/', '/signup', '/login', '/studio', '/settings/usage', '/settings/activity', '/settings/security', '/settings/profile', '/settings/account', '/api/health', '/api/usage/events', '/api/keys', '/api/v1/chat/completions']) {
    await request.get(path, { maxRedirects: 0 })
  }
})
