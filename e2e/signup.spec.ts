// A newcomer's first minute: the landing page, sign-up in the browser, the signed-in shell
// with their Demo plan, sign-out, and sign-in again.
import { randomUUID } from 'node:crypto'
import { expect, test } from '@playwright/test'

test('a visitor signs up, lands in the shell on the Demo plan, signs out and back in', async ({ page }) => {
  const email = `e2e-${randomUUID()}@example.test`
  const password = 'a long enough password'

  await page.goto('/')
  await expect(page.getByRole('heading', { level: 1 })).toContainText('cap what every user')
  await page.getByRole('link', { name: 'Get started' }).click()

  await expect(page).toHaveURL(/\/signup$/)
  await page.getByLabel('Name').fill('Ada Lovelace')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()

  await expect(page).toHaveURL(/\/studio$/)
  await expect(page.getByRole('heading', { name: 'Studio' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Account menu' })).toHaveText('AL') // Ada Lovelace's initials

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await expect(page).toHaveURL(/\/settings\/usage$/)
  await expect(page.getByText('Demo Plan - Unlimited Access')).toBeVisible()

  await page.getByRole('button', { name: 'Account menu' }).click()
  await page.getByRole('menuitem', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/$/)

  await page.goto('/settings')
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('the wrong password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'Invalid email or password' })).toBeVisible()
  await expect(page.getByLabel('Email')).toHaveValue(email) // kept after a failed attempt
  await expect(page.getByLabel('Password')).toHaveValue('') // secrets are never echoed back
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/settings\/usage$/)
})

test('the sign-up form explains what is wrong, next to the field', async ({ page }) => {
  await page.goto('/signup')
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByLabel('Password').fill('short')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('Enter a valid email address')).toBeVisible()
  await expect(page).toHaveURL(/\/signup$/)
})
