// The operator console in a real browser: an operator finds a customer from the Overview, moves
// them to another plan, and sees it take effect in the customer's own Usage tab (through "view as
// the user" and in the customer's own session). With DOCS_SCREENSHOTS=1 the pages are also saved,
// light and dark, as docs/console-*.png for the README.
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { signUp, snap, tollgate } from './helpers'

const DOCS = process.env.DOCS_SCREENSHOTS === '1'

/** A full-page screenshot with the test's results; with DOCS_SCREENSHOTS=1 also docs/console-<name>-{light,dark}.png. */
async function shoot(page: Page, info: TestInfo, name: string): Promise<void> {
  await snap(page, info, `console-${name}`)
  if (!DOCS) return
  // The first screen, as a visitor sees it (a full-page shot repeats the sticky header mid-page),
  // without `next dev`'s own indicator.
  await page.addStyleTag({ content: 'nextjs-portal { display: none !important; }' })
  await page.evaluate(() => window.scrollTo(0, 0))
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.screenshot({ path: `docs/console-${name}-${scheme}.png`, animations: 'disabled' })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

test('an operator moves a customer to Pro from the console and the customer sees it', async ({ browser }, info) => {
  test.setTimeout(180_000)
  const customerPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
  const operatorPage = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage()

  // A customer who has made a call, so they appear among the month's spenders.
  const customer = await signUp(customerPage, 'Grace Hopper')
  const key = await customerPage.evaluate(async () => {
    const res = await fetch('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'e2e' }) })
    return ((await res.json()) as { key: string }).key
  })
  const call = await customerPage.request.post('/api/v1/chat/completions', {
    headers: { authorization: `Bearer ${key}` },
    data: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 },
  })
  expect(call.status()).toBe(200)

  // Someone who is not an operator does not learn the console exists.
  expect((await customerPage.goto('/admin'))?.status()).toBe(404)

  const operator = await signUp(operatorPage, 'Olive Operator')
  tollgate('operator', 'grant', operator)

  // Overview: the period's numbers, and the customer among the top users by cost.
  await operatorPage.goto('/admin')
  await expect(operatorPage.getByRole('heading', { name: 'Overview' })).toBeVisible()
  const topUsers = operatorPage.getByRole('region', { name: /top users/i })
  await expect(topUsers.getByRole('link', { name: customer })).toBeVisible()
  await shoot(operatorPage, info, 'overview')

  // Users: find the customer by email, open their page.
  await operatorPage.goto('/admin/users')
  await operatorPage.getByRole('searchbox').fill(customer)
  await operatorPage.getByRole('searchbox').press('Enter')
  await expect(operatorPage.getByRole('link', { name: customer })).toBeVisible()
  await shoot(operatorPage, info, 'users')
  await topUsersOrListLink(operatorPage, customer).click()
  await expect(operatorPage.getByRole('heading', { name: customer })).toBeVisible()

  // Move them to Pro.
  await operatorPage.getByLabel('Plan', { exact: true }).selectOption('pro')
  await operatorPage.getByRole('button', { name: 'Change plan' }).click()
  await expect(operatorPage.getByRole('status').filter({ hasText: /pro/i }).first()).toBeVisible()
  await shoot(operatorPage, info, 'user')

  // The change is in the audit, under the operator's name.
  await operatorPage.goto('/admin/audit')
  const planRow = operatorPage.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'user.plan' }).filter({ hasText: customer })
  await expect(planRow).toContainText(`operator:${operator}`)

  // Plans, Models and Providers, for the README.
  await operatorPage.goto('/admin/plans')
  await expect(operatorPage.getByRole('link', { name: /Pro/ }).first()).toBeVisible()
  await shoot(operatorPage, info, 'plans')
  await operatorPage.goto('/admin/models')
  await expect(operatorPage.getByRole('heading', { name: /Models/ }).first()).toBeVisible()
  await shoot(operatorPage, info, 'models')
  await operatorPage.goto('/admin/providers')
  await expect(operatorPage.getByRole('heading', { name: /Providers/ }).first()).toBeVisible()
  await shoot(operatorPage, info, 'providers')

  // Support view: the customer's Usage tab as they see it, on the new plan, read only. Demo's
  // year → Pro's month starts a fresh period, so the count is back at 0 of Pro's 5,000.
  await operatorPage.goto('/admin/users')
  await operatorPage.getByRole('searchbox').fill(customer)
  await operatorPage.getByRole('searchbox').press('Enter')
  await topUsersOrListLink(operatorPage, customer).click()
  await operatorPage.getByRole('link', { name: /view as the user/i }).click()
  await expect(operatorPage.getByTestId('usage-card-chat')).toContainText('0 / 5,000')
  await expect(operatorPage.getByRole('main')).toContainText('Pro')

  // And the customer sees it in their own session.
  await customerPage.goto('/settings/usage')
  await expect(customerPage.getByTestId('usage-card-chat')).toContainText('0 / 5,000')
})

const topUsersOrListLink = (page: Page, email: string) => page.getByRole('link', { name: email }).first()
