// A real Next.js server for integration tests: `next dev` on a free port, against its own
// migrated database on the run's PostgreSQL, in its own build folder (.next-test) so that it
// never disturbs a developer's `npm run dev`.
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { ensureDatabase } from '../lib/db/embedded'
import { startNextDev } from './next-server'

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
  const server = await startNextDev({
    distDir: '.next-test',
    env: { DATABASE_URL: databaseUrl, AUTH_SECRET: 'integration-test-secret-at-least-32-chars' },
  })
  project.provide('baseUrl', server.url)
  project.provide('nextDatabaseUrl', databaseUrl)
  return server.stop
}
