// One throwaway PostgreSQL 17 per test run: migrated once into a template database that each
// test file then copies (CREATE DATABASE … TEMPLATE is far faster than migrating again).
import { mkdtemp, chmod, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { ensureDatabase, startEmbeddedPostgres } from '../lib/db/embedded'
import { migrate } from '../lib/db/migrate'

export const TEMPLATE_DB = 'tollgate_template'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-test-pg-'))
  // mkdtemp makes a 0700 folder; the server runs as the `postgres` OS user when we are root.
  await chmod(dir, 0o755)
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: 30000 + Math.floor(Math.random() * 20000),
    persistent: false,
  })
  await ensureDatabase(server.adminUrl, TEMPLATE_DB)
  await migrate(server.urlFor(TEMPLATE_DB))
  project.provide('pgAdminUrl', server.adminUrl)
  project.provide('pgTemplate', TEMPLATE_DB)
  return async () => {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
