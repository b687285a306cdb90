// The shared Next.js server of the integration tests: a production build (`next start`) on a
// free port, against its own migrated database on the run's PostgreSQL, connected as the app's
// non-superuser login (tests read and write fixtures as the superuser). The build is made once
// here, so test files that start servers of their own find it ready.
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { ensureDatabase } from '../lib/db/embedded'
import { ensureProductionBuild, startNextServer } from './next-server'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    nextDatabaseUrl: string
  }
}

export default async function setup(project: TestProject) {
  const adminUrl = project.getProvidedContext().pgAdminUrl
  const database = `next_${randomBytes(4).toString('hex')}`
  await ensureDatabase(adminUrl, database, project.getProvidedContext().pgTemplate)
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString()
  ensureProductionBuild('.next-test')
  const [user, password] = project.getProvidedContext().pgAppLogin.split(':')
  const appUrl = Object.assign(new URL(databaseUrl), { username: user, password }).toString()
  const server = await startNextServer({ DATABASE_URL: appUrl, AUTH_SECRET: 'integration-test-secret-at-least-32-chars' })
  project.provide('baseUrl', server.url)
  project.provide('nextDatabaseUrl', databaseUrl)
  return server.stop
}
