import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { expect, type Page, type TestInfo } from '@playwright/test'

export const PASSWORD = 'a long enough password'

/** Signs a new user up through the form; returns their email. */
export async function signUp(page: Page, name = 'Ada Lovelace'): Promise<string> {
  const email = `e2e-${randomUUID()}@example.test`
  await page.goto('/signup')
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page).toHaveURL(/\/studio$/)
  return email
}

/** Runs an operator command against the e2e server's database (it shares the running server). */
export function tollgate(...args: string[]): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tollgate.ts', ...args], {
    env: { ...process.env, DATA_DIR: '.data/e2e' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (result.status !== 0) throw new Error(`tollgate ${args.join(' ')} failed: ${result.stdout}${result.stderr}`)
  return result.stdout
}

/** A full-page screenshot saved with the test's results (test-results/…/<name>.png) and attached to its report. */
export async function snap(page: Page, info: TestInfo, name: string): Promise<void> {
  const path = info.outputPath(`${name}.png`)
  await page.screenshot({ path, fullPage: true })
  await info.attach(name, { path, contentType: 'image/png' })
}
