// Real Next.js servers for tests: a production build (made once, and again only when the
// sources change), served by `next start` on a free port; or `next dev` where a test needs a
// configuration baked in at build time. Each server has its own build folder, so none shares
// a lock with another or with a developer's `npm run dev`.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export type NextServer = { url: string; output: () => string; stop: () => Promise<void>; pid?: number }
type Env = Record<string, string | undefined>

const BUILD_INPUTS = ['app', 'components', 'lib', 'public', 'proxy.ts', 'instrumentation.ts', 'next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json']

function files(entry: string): string[] {
  if (!existsSync(entry)) return []
  if (!statSync(entry).isDirectory()) return [entry]
  return readdirSync(entry).flatMap((name) => (name.endsWith('.test.ts') ? [] : files(path.join(entry, name))))
}

/** A hash of everything a build depends on: the build is reused while it is unchanged. */
function sourceHash(): string {
  const hash = createHash('sha256')
  for (const file of BUILD_INPUTS.flatMap(files).sort()) hash.update(file).update(readFileSync(file))
  return hash.digest('hex')
}

function childEnv(distDir: string, env: Env, nodeEnv: 'production' | 'development'): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: nodeEnv, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir }
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete out[key]
    else out[key] = value
  }
  return out
}

/** Builds into `distDir` unless a build of the current sources is already there. */
export function ensureProductionBuild(distDir: string): void {
  const stamp = path.join(distDir, 'tollgate-source-hash')
  const hash = sourceHash()
  if (existsSync(path.join(distDir, 'BUILD_ID')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return
  const result = spawnSync(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { env: childEnv(distDir, {}, 'production'), encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`)
  writeFileSync(stamp, hash)
}

async function serve(args: string[], distDir: string, env: Env, nodeEnv: 'production' | 'development', nodeArgs: string[] = []): Promise<NextServer> {
  const port = await freePort()
  let log = ''
  const child = spawn(process.execPath, [...nodeArgs, 'node_modules/next/dist/bin/next', ...args, '--port', String(port)], {
    env: childEnv(distDir, env, nodeEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // A server must not outlive its test run: orphaned, with its output pipe gone, it would spin.
  const orphanGuard = () => child.kill('SIGKILL')
  process.once('exit', orphanGuard)
  child.once('exit', () => process.removeListener('exit', orphanGuard))
  child.stdout?.on('data', (d) => (log += d))
  child.stderr?.on('data', (d) => (log += d))
  // localhost, not 127.0.0.1: next dev refuses some dev resources to other origins.
  const url = `http://localhost:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next ${args[0]} exited with ${child.exitCode}:\n${log}`)
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) return { url, output: () => log, stop, pid: child.pid }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`next ${args[0]} did not become ready in 90 s:\n${log}`)
}

/** `next start` on the shared test build (.next-test), with `env` layered on this process's. */
export async function startNextServer(env: Env): Promise<NextServer> {
  return startProductionServer('.next-test', env)
}

/** `next start` on a production build in `distDir` (made or refreshed first); `nodeArgs` go to Node (e.g. --cpu-prof). */
export async function startProductionServer(distDir: string, env: Env, nodeArgs: string[] = []): Promise<NextServer & { pid: number }> {
  ensureProductionBuild(distDir)
  return serve(['start'], distDir, env, 'production', nodeArgs) as Promise<NextServer & { pid: number }>
}

/** `next dev`, for configurations that a production build would bake in. */
export async function startNextDev(options: { distDir: string; env: Env }): Promise<NextServer> {
  return serve(['dev'], options.distDir, options.env, 'development')
}
