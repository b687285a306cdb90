// One throwaway PostgreSQL 17 per test run: migrated once into a template database that each
// test file then copies (CREATE DATABASE … TEMPLATE is far faster than migrating again). The
// template's objects are then handed to the app's non-superuser login, as `npm start` does
// with the embedded database, so a server can run with production privileges.
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { APP_ROLE, prepareAppRole } from '../lib/db/app-role'
import { ensureDatabase, startThrowawayPostgres } from '../lib/db/embedded'
import { migrate } from '../lib/db/migrate'

export const TEMPLATE_DB = 'tollgate_template'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
    /** Login (user:password) of the app's non-superuser role, which owns the template's objects. */
    pgAppLogin: string
  }
}

export default async function setup(project: TestProject) {
  const server = await startThrowawayPostgres('tollgate-test-pg')
  await ensureDatabase(server.adminUrl, TEMPLATE_DB)
  await migrate(server.urlFor(TEMPLATE_DB))
  const password = randomBytes(16).toString('hex')
  await prepareAppRole(server.adminUrl, TEMPLATE_DB, password)
  project.provide('pgAppLogin', `${APP_ROLE}:${password}`)
  project.provide('pgAdminUrl', server.adminUrl)
  project.provide('pgTemplate', TEMPLATE_DB)
  return server.stop
}
