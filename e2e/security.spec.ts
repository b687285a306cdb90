// Password change and sign-out-everywhere across two browsers of the same user.
import { expect, test } from '@playwright/test'
import { PASSWORD, signUp } from './helpers'

test('changing the password signs out the other browser; sign out everywhere signs out this one too', async ({ page, browser }) => {
  const email = await signUp(page, 'Two Browsers')

  // A second browser signed in as the same user.
  const other = await (await browser.newContext()).newPage()
  await other.goto('/login')
  await other.getByLabel('Email').fill(email)
  await other.getByLabel('Password').fill(PASSWORD)
  await other.getByRole('button', { name: 'Sign in' }).click()
  await expect(other).toHaveURL(/\/studio$/)

  await page.goto('/settings/security')
  await page.getByLabel('Current password').fill('not my password')
  await page.getByLabel('New password', { exact: true }).fill('a brand new password')
  await page.getByLabel('Repeat new password').fill('a brand new password')
  await page.getByRole('button', { name: 'Change password' }).click()
  await expect(page.getByText('Current password is wrong').first()).toBeVisible()

  await page.getByLabel('Current password').fill(PASSWORD)
  await page.getByLabel('New password', { exact: true }).fill('a brand new password')
  await page.getByLabel('Repeat new password').fill('a brand new password')
  await page.getByRole('button', { name: 'Change password' }).click()
  await expect(page.getByRole('status')).toHaveText('Password changed. Other sessions were signed out.')

  // This browser stays in; the other one is out.
  await page.goto('/settings/usage')
  await expect(page).toHaveURL(/\/settings\/usage$/)
  // Its token is still well signed (proxy.ts lets it through); the server refuses it.
  await other.goto('/settings/usage')
  await expect(other).toHaveURL(/\/login(\?next=%2Fsettings%2Fusage)?$/)

  await page.goto('/settings/security')
  await page.getByRole('button', { name: 'Sign out everywhere' }).click()
  await expect(page).toHaveURL(/\/login$/)
  await page.goto('/settings/usage')
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fusage$/)
})
