// The product's main loop in a real browser: generate in the Studio, watch usage and costs
// move, find the calls in Activity (and its CSV), manage API keys, and hit a limit.
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { formatCost } from '../components/studio/format'
import { signUp, snap, tollgate } from './helpers'

test('a new user generates in the Studio and sees the calls and costs in Settings', async ({ page }, info) => {
  await signUp(page)

  // Usage & Costs before anything: the Demo notice and four cards at zero.
  await page.goto('/settings/usage')
  await expect(page.getByTestId('demo-notice')).toHaveText(
    '🎉 Demo Mode: You have unlimited access to all features. Usage tracking is enabled for analytics purposes.',
  )
  for (const card of ['content', 'image', 'video', 'chat']) await expect(page.getByTestId(`usage-card-${card}`)).toContainText('0 / Unlimited')
  await expect(page.getByTestId('cost-period')).toContainText('$0.00')
  await snap(page, info, 'usage-empty')

  // Studio: a streamed chat, then an image, each with its receipt. The receipt's cost is the one
  // the gateway said with the answer: the Studio never reads the usage history for it.
  const historyReads: string[] = []
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/usage/history')) historyReads.push(request.url())
  })
  await page.goto('/studio')
  await page.getByRole('tab', { name: 'Chat' }).click()
  await page.locator('#chat-message').fill('Hello there')
  const chatAnswer = page.waitForResponse('**/api/v1/chat/completions')
  await page.getByRole('button', { name: 'Send' }).click()
  expect((await chatAnswer).headers()['x-tollgate-cost-status']).toBe('pending')
  await expect(page.getByRole('log', { name: 'Conversation' })).toContainText('[Simulated')
  await expect(page.getByRole('tabpanel', { name: 'Chat' }).getByTestId('receipt')).toContainText('$')
  await page.getByRole('tab', { name: 'Images' }).click()
  await page.locator('#image-prompt').fill('A lighthouse at dusk')
  const imageAnswer = page.waitForResponse('**/api/v1/images/generations')
  await page.getByRole('button', { name: 'Generate image' }).click()
  const imageCost = (await imageAnswer).headers()['x-tollgate-cost']
  expect(imageCost).toMatch(/^\d+(\.\d+)?$/)
  await expect(page.getByRole('list', { name: 'Generated images' }).getByRole('img')).toHaveCount(1)
  await expect(page.getByRole('tabpanel', { name: 'Images' }).getByTestId('receipt')).toContainText(formatCost(imageCost))
  expect(historyReads).toEqual([])
  await snap(page, info, 'studio')

  // Usage & Costs now counts them, prices them, and lists them.
  await page.goto('/settings/usage')
  await expect(page.getByTestId('usage-card-chat')).toContainText('1 / Unlimited')
  await expect(page.getByTestId('usage-card-image')).toContainText('1 / Unlimited')
  await expect(page.getByTestId('cost-lifetime')).toContainText('2 calls')
  await expect(page.getByTestId('cost-period')).not.toContainText('$0.00')
  const recent = page.getByTestId('recent-activity')
  await expect(recent.getByRole('row')).toHaveCount(3)
  await expect(recent).toContainText('dall-e-3')
  await snap(page, info, 'usage')

  // Activity: filter to images, open the row, and download the CSV of that filter.
  await page.getByRole('link', { name: 'Activity' }).first().click()
  await expect(page).toHaveURL(/\/settings\/activity$/)
  await page.getByLabel('Service').selectOption('image')
  await page.getByRole('button', { name: 'Apply' }).click()
  await expect(page).toHaveURL(/service=image/)
  const table = page.getByTestId('activity-table')
  await expect(table.getByRole('row')).toHaveCount(2)
  await table.getByRole('link').first().click()
  await expect(page.getByTestId('activity-detail')).toContainText('dall-e-3')
  const download = page.waitForEvent('download')
  await page.getByRole('link', { name: 'Export CSV' }).click()
  const csv = readFileSync(await (await download).path(), 'utf8').trim().split('\n')
  expect(csv[0]).toMatch(/^created_at,request_id,service_type,provider,model,status/)
  expect(csv).toHaveLength(2)
  expect(csv[1]).toContain(',image,simulator,dall-e-3,success,')
  await snap(page, info, 'activity')

  // Security: create a key (shown once), then revoke it after confirming.
  await page.getByRole('link', { name: 'Security' }).click()
  await page.getByLabel('New key name').fill('laptop')
  await page.getByRole('button', { name: 'Create key' }).click()
  await expect(page.getByTestId('new-api-key')).toContainText(/tg_[A-Za-z0-9_-]{43}/)
  const keys = page.getByTestId('api-keys')
  await expect(keys).toContainText('laptop')
  await snap(page, info, 'security')
  await keys.getByRole('button', { name: 'Revoke laptop' }).click()
  await page.getByRole('button', { name: 'Revoke key' }).click()
  await expect(page.getByText('No API keys yet')).toBeVisible()

  for (const tab of ['profile', 'account']) {
    await page.goto(`/settings/${tab}`)
    await snap(page, info, tab)
  }
  // Without Stripe keys the plan picker still shows, and says why upgrading is off.
  await expect(page.getByTestId('billing-status')).toContainText('Billing is not configured on this deployment')
  await expect(page.getByTestId('plan-pro')).toContainText('$29.00/mo')
})

test('a user on a tiny hard-limited plan sees the refusal in the Studio', async ({ page }) => {
  const email = await signUp(page, 'Limited User')
  tollgate('plan', email, 'free')
  tollgate('limit', email, 'image', '0')
  await page.goto('/studio')
  await page.getByRole('tab', { name: 'Images' }).click()
  await page.locator('#image-prompt').fill('A forbidden lighthouse')
  await page.getByRole('button', { name: 'Generate image' }).click()
  const refusal = page.getByRole('tabpanel', { name: 'Images' }).getByRole('alert')
  await expect(refusal).toContainText('You have reached your monthly limit. Upgrade your plan to continue.')
  await expect(refusal.getByRole('link', { name: /Upgrade your plan/ })).toHaveAttribute('href', /\/settings\/account$/)
})

test('pages fit a 390 px phone without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await signUp(page, 'Phone User')
  for (const path of ['/studio', '/settings/usage', '/settings/activity', '/settings/security', '/settings/account', '/settings/profile']) {
    await page.goto(path)
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBe(0)
  }
})
