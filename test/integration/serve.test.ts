// `npm run dev` as a newcomer runs it: no DATABASE_URL, so the embedded PostgreSQL starts in
// DATA_DIR, migrations apply, Next serves as a login that owns the tables but is not a
// superuser; Ctrl-C stops both; a restart keeps the data, and a data folder of an older
// version (everything owned by the superuser) is moved over to that login.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres } from '@/lib/db/embedded'
import { createEmptyDatabase, withClient } from '@/test/databases'
import { freePort } from '@/test/next-server'

type Server = { child: ChildProcess; output: () => string; url: string }

async function startDev(dataDir: string, port: number, extraEnv: Record<string, string> = {}): Promise<Server> {
  // A newcomer's shell: no DATABASE_URL and no AUTH_SECRET.
  const inherited = { ...process.env }
  delete inherited.DATABASE_URL
  delete inherited.AUTH_SECRET
  let output = ''
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', 'dev'], {
    env: { ...inherited, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), NEXT_DIST_DIR: '.next-serve-test', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so a group SIGINT behaves like Ctrl-C in a terminal
  })
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dev server exited early:\n${output}`)
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false)
    if (ok) return { child, output: () => output, url }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`dev server not ready in 90 s:\n${output}`)
}

async function ctrlC(server: Server): Promise<number | null> {
  process.kill(-server.child.pid!, 'SIGINT')
  return new Promise((resolve) => server.child.once('exit', (code) => resolve(code)))
}

/** The roles the app's own connections to the embedded database use (read as the superuser). */
async function appRoles(dataDir: string) {
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim()
  const port = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[3])
  return withClient(`postgresql://postgres:${password}@127.0.0.1:${port}/tollgate`, async (c) =>
    (
      await c.query(
        `select distinct a.usename as role, r.rolsuper as superuser, r.rolbypassrls as bypassrls
           from pg_stat_activity a join pg_roles r on r.rolname = a.usename
          where a.datname = 'tollgate' and a.backend_type = 'client backend' and a.pid <> pg_backend_pid()`,
      )
    ).rows,
  )
}

/** Turns a data folder into one an older version left: no app login, the superuser owns everything. */
async function makeOldDataDir(dataDir: string) {
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), persistent: true })
  try {
    await withClient(pg.urlFor('tollgate'), (c) => c.query('reassign owned by tollgate to postgres; drop owned by tollgate; drop role tollgate'))
  } finally {
    await pg.stop()
  }
}

/** Every process below `pid`, read from /proc (Linux). */
async function descendants(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number)
  return [...children, ...(await Promise.all(children.map(descendants))).flat()]
}

/** Running, as opposed to gone or a zombie (an orphan's exit status is reaped by PID 1, which
 *  in some containers never does it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

const dirs: string[] = []
const leftovers: number[] = []
afterAll(async () => {
  for (const pid of leftovers.filter(alive)) process.kill(pid, 'SIGKILL')
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('npm run dev on the embedded database', () => {
  it('starts PostgreSQL and Next, stops both on Ctrl-C, and keeps users across a restart', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tollgate-dev-'))
    dirs.push(root)
    await chmod(root, 0o755)
    const dataDir = path.join(root, 'data')
    const port = await freePort()
    const credentials = { email: 'restart@example.test', password: 'survives restarts' }

    const first = await startDev(dataDir, port)
    expect(first.output()).toContain('initialising PostgreSQL')
    expect(first.output()).toMatch(/(?<!\d)\d+ migration\(s\) applied/)
    const signup = await fetch(`${first.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    })
    expect(signup.status).toBe(201)
    expect(await appRoles(dataDir)).toEqual([{ role: 'tollgate', superuser: false, bypassrls: false }])
    const postmasterPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0])

    expect(await ctrlC(first)).toBe(130)
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false)
    expect(alive(postmasterPid)).toBe(false)
    await expect(fetch(`${first.url}/api/health`)).rejects.toThrow()

    const second = await startDev(dataDir, port)
    expect(second.output()).not.toContain('initialising PostgreSQL')
    expect(second.output()).toContain('database schema is up to date')
    const login = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    })
    expect(login.status).toBe(200)
    expect(await ctrlC(second)).toBe(130)

    await makeOldDataDir(dataDir)
    const third = await startDev(dataDir, port)
    expect(third.output()).toContain('database schema is up to date')
    const again = await fetch(`${third.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) })
    expect(again.status).toBe(200)
    expect(await appRoles(dataDir)).toEqual([{ role: 'tollgate', superuser: false, bypassrls: false }])
    expect(await ctrlC(third)).toBe(130)
  }, 300_000) // three cold starts of next dev
})

describe('npm run dev with DATABASE_URL', () => {
  async function appliedVersions(url: string): Promise<string[]> {
    return withClient(url, async (c) => {
      const exists = await c.query(`select to_regclass('supabase_migrations.schema_migrations') as t`)
      if (!exists.rows[0].t) return []
      return (await c.query('select version from supabase_migrations.schema_migrations order by 1')).rows.map((r) => r.version)
    })
  }

  it('starts no database of its own, migrates the given one, and skips that with MIGRATE_ON_START=false', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tollgate-dev-url-'))
    dirs.push(root)
    const migrated = await createEmptyDatabase('serve')
    const untouched = await createEmptyDatabase('serve')

    const first = await startDev(path.join(root, 'data'), await freePort(), { DATABASE_URL: migrated })
    expect(first.output()).not.toContain('PostgreSQL 17 listening')
    expect(first.output()).toContain('DATABASE_URL ready')
    expect((await appliedVersions(migrated)).length).toBeGreaterThanOrEqual(4)
    expect(await ctrlC(first)).toBe(130)

    const second = await startDev(path.join(root, 'data'), await freePort(), { DATABASE_URL: untouched, MIGRATE_ON_START: 'false' })
    expect(await appliedVersions(untouched)).toEqual([])
    expect(await ctrlC(second)).toBe(130)
    expect(existsSync(path.join(root, 'data', 'postgres'))).toBe(false)
  })
})

describe('when Next.js dies', () => {
  it('says so, stops the embedded database cleanly and exits non-zero, so a supervisor restarts the app', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tollgate-crash-'))
    dirs.push(root)
    await chmod(root, 0o755)
    const dataDir = path.join(root, 'data')
    const server = await startDev(dataDir, await freePort())
    const postmasterPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0])
    // The Next.js child of serve.ts (its other child is PostgreSQL), killed as the kernel's
    // OOM killer or a fatal V8 error would: no chance to clean up.
    const children = (await readFile(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8')).trim().split(/\s+/).map(Number)
    const nextPid = (await Promise.all(children.map(async (pid) => ({ pid, cmd: await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') })))).find((c) => c.cmd.includes('next'))!.pid
    const started = await descendants(nextPid)
    expect(started.length).toBeGreaterThan(0) // `next dev` serves from a child of its own
    leftovers.push(...started) // killed after the tests if this one fails, so none spins on in CI
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve))
    process.kill(nextPid, 'SIGKILL')
    expect(await exited).toBe(1)
    expect(server.output()).toContain('Next.js stopped unexpectedly (signal SIGKILL)')
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false)
    expect(alive(postmasterPid)).toBe(false)
    // Nothing Next started outlives it (`next dev` serves from a child of its own): a
    // supervisor's restart finds the port free.
    expect(started.filter(alive)).toEqual([])
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  }, 180_000) // a cold start of next dev on a busy machine
})
