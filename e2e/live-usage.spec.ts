// The Usage tab is live: a call made elsewhere (an API key, outside this browser) shows up on
// the open tab without a reload; alerts are acknowledged from it; the alert webhook setting
// refuses a URL that is not https or resolves to this machine.
import { expect, test, type Page } from '@playwright/test'
import { signUp, tollgate } from './helpers'

async function createKey(page: Page): Promise<string> {
  const response = await page.request.post('/api/keys', { data: { name: 'elsewhere' } })
  expect(response.status()).toBe(201)
  return (await response.json()).key
}

/** A chat call from outside the browser: another device, a server, a script. */
async function callElsewhere(page: Page, key: string): Promise<void> {
  const response = await fetch(new URL('/api/v1/chat/completions', page.url()), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'from elsewhere' }], max_tokens: 8 }),
  })
  expect(response.status).toBe(200)
}

test('the open Usage tab updates when a call is made elsewhere, without a reload', async ({ page }) => {
  await signUp(page, 'Live User')
  const key = await createKey(page)
  await page.goto('/settings/usage')
  await expect(page.getByTestId('usage-card-chat')).toContainText('0 / Unlimited')
  await expect(page.getByTestId('cost-month')).toContainText(/exact: \$0$/)
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live')
  // Survives only if the page is not reloaded.
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }))

  await callElsewhere(page, key)
  await expect(page.getByTestId('usage-card-chat')).toContainText('1 / Unlimited')
  await expect(page.getByTestId('cost-month')).toContainText(/exact: \$0\.\d*[1-9]/)
  await expect(page.getByTestId('recent-activity').getByRole('row')).toHaveCount(2)

  await callElsewhere(page, key)
  await expect(page.getByTestId('usage-card-chat')).toContainText('2 / Unlimited')
  await expect(page.getByTestId('cost-lifetime')).toContainText('2 calls')
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
  // Demo's period is a year: the calendar month's cost stands beside the period's.
  await expect(page.getByTestId('cost-period')).toContainText('This plan period')
})

test('alerts are acknowledged from the tab; the webhook setting refuses unsafe URLs', async ({ page }) => {
  const email = await signUp(page, 'Alert User')
  tollgate('plan', email, 'pro')
  tollgate('limit', email, 'chat', '2')
  const key = await createKey(page)
  await page.goto('/settings/usage')
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live')
  await expect(page.getByTestId('alerts')).toContainText('No alerts this period.')

  await callElsewhere(page, key) // 1 of 2: the 50 % alert, live
  const alert = page.getByTestId('alert')
  await expect(alert).toHaveCount(1)
  await expect(alert).toHaveAttribute('data-acknowledged', 'false')
  await alert.getByRole('button', { name: /^Acknowledge/ }).click()
  await expect(alert).toHaveAttribute('data-acknowledged', 'true')
  await expect(alert).toContainText('Acknowledged')

  const url = page.getByLabel('Alert webhook URL')
  await url.fill('http://example.com/hooks')
  await page.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('alert-webhook-error')).toHaveText('The URL must start with https://')
  await url.fill('https://127.0.0.1:8443/hooks')
  await page.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('alert-webhook-error')).toHaveText('127.0.0.1 is a loopback address; only public addresses are allowed')
  await url.fill('https://localhost/hooks')
  await page.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('alert-webhook-error')).toHaveText(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address; only public addresses are allowed$/)
  await expect(page.getByTestId('alert-webhook-secret')).toHaveCount(0)
})
