// Runs `prisma generate` without the network. Prisma's CLI insists on a native schema engine
// even for generate, and downloading it fails offline; pointing it at a stub that refuses
// (instead of /bin/true) keeps generate working while any accidental `prisma migrate` fails
// loudly rather than "succeeding" having applied nothing.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const stubDir = path.join(tmpdir(), 'tollgate-prisma')
const stub = path.join(stubDir, 'schema-engine-stub.sh')
mkdirSync(stubDir, { recursive: true })
writeFileSync(
  stub,
  '#!/bin/sh\necho "Prisma schema engine is disabled: supabase/migrations owns the schema (npm run db:migrate)." >&2\nexit 1\n',
)
chmodSync(stub, 0o755)

const result = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: stub,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
})
process.exit(result.status ?? 1)
