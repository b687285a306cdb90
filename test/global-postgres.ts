// One throwaway PostgreSQL 17 per test run: migrated once into a template database that each
// test file then copies (CREATE DATABASE … TEMPLATE is far faster than migrating again).
import type { TestProject } from 'vitest/node'
import { ensureDatabase, startThrowawayPostgres } from '../lib/db/embedded'
import { migrate } from '../lib/db/migrate'

export const TEMPLATE_DB = 'tollgate_template'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}

export default async function setup(project: TestProject) {
  const server = await startThrowawayPostgres('tollgate-test-pg')
  await ensureDatabase(server.adminUrl, TEMPLATE_DB)
  await migrate(server.urlFor(TEMPLATE_DB))
  project.provide('pgAdminUrl', server.adminUrl)
  project.provide('pgTemplate', TEMPLATE_DB)
  return server.stop
}
