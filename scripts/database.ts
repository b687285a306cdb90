// The database the app runs on: DATABASE_URL when set, otherwise the embedded PostgreSQL in
// DATA_DIR/postgres (initialised on first use, kept across restarts), reached as the app's
// own non-superuser login (lib/db/app-role.ts).
import { existsSync } from 'node:fs'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { APP_ROLE, appRolePassword, prepareAppRole } from '../lib/db/app-role'
import { portForPath, startEmbeddedPostgres } from '../lib/db/embedded'
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
  // The app (migrations included) runs as its own login, which owns the tables but is not a
  // superuser; the superuser only prepares it, on every start (older data folders included).
  const password = await appRolePassword(path.join(env.DATA_DIR, 'postgres-app.password'))
  await prepareAppRole(server.adminUrl, 'tollgate', password)
  const url = Object.assign(new URL(server.urlFor('tollgate')), { username: APP_ROLE, password }).toString()
  return { url, embedded: true, stop: server.stop }
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
