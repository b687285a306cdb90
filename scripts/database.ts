// The database the app runs on: DATABASE_URL when set, otherwise the embedded PostgreSQL in
// DATA_DIR/postgres (initialised on first use, kept across restarts).
import { existsSync } from 'node:fs'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { ensureDatabase, portForPath, startEmbeddedPostgres } from '../lib/db/embedded'
import { env } from '../lib/env'

export const log = (line: string) => console.log(`[tollgate] ${line}`)

export type AppDatabase = { url: string; embedded: boolean; stop: () => Promise<void> }

export async function openAppDatabase(): Promise<AppDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => {} }
  const server = await startEmbeddedPostgres({
    dataDir: path.join(env.DATA_DIR, 'postgres'),
    port: env.EMBEDDED_PG_PORT ?? portForPath(process.cwd()),
    persistent: true,
    log,
  })
  await ensureDatabase(server.adminUrl, 'tollgate')
  return { url: server.urlFor('tollgate'), embedded: true, stop: server.stop }
}

/** AUTH_SECRET, or one generated once into DATA_DIR so sessions survive restarts. */
export async function resolveAuthSecret(): Promise<string> {
  if (env.AUTH_SECRET) return env.AUTH_SECRET
  const file = path.join(env.DATA_DIR, 'auth-secret')
  if (!existsSync(file)) {
    await mkdir(env.DATA_DIR, { recursive: true })
    await writeFile(file, randomBytes(32).toString('base64url'), { mode: 0o600 })
    log(`generated a session secret in ${file}`)
  }
  if (env.DATABASE_URL) log('AUTH_SECRET is unset: using the one in DATA_DIR. Set AUTH_SECRET when several instances serve one database.')
  return (await readFile(file, 'utf8')).trim()
}
