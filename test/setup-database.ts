// Before each test file: a private, migrated database, and the environment the app reads.
// Runs before the file's imports are evaluated, so lib/env sees these values.
import { createMigratedDatabase } from './databases'

process.env.DATABASE_URL = await createMigratedDatabase()
process.env.AUTH_SECRET ??= 'test-secret-that-is-at-least-32-characters-long'
// Local state (the usage spool) of this file's code goes to its own folder, never to .data.
const { mkdtempSync } = await import('node:fs')
const { tmpdir } = await import('node:os')
const { join } = await import('node:path')
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), 'tollgate-test-data-'))
