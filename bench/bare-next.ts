// The benchmarks' Next.js baseline: bench/bare-next, a Next.js 16 app whose one route handler
// forwards a chat call to the fake upstream (no auth, no database, no metering), built here and
// served by `next start`. Issue 18's ratios are against it: what the gateway adds over the
// framework it is built on. bench/forward-server.ts (bare Node.js) stays beside it as the floor.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '../test/next-server'

const APP = fileURLToPath(new URL('./bare-next', import.meta.url))
const NEXT = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url))

export type BareNext = { url: string; pid: number; stop: () => Promise<void> }

/** Builds bench/bare-next (about 10 s) and starts it on a free port; `nodeArgs` go to Node (e.g. --cpu-prof). */
export async function startBareNext(upstreamUrl: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<BareNext> {
  const childEnv: NodeJS.ProcessEnv = { ...env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: undefined, BARE_UPSTREAM_URL: upstreamUrl }
  const built = spawnSync(process.execPath, [NEXT, 'build', APP], { env: childEnv, encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`building bench/bare-next failed:\n${built.stdout}\n${built.stderr}`)
  const port = await freePort()
  const child = spawn(process.execPath, [...nodeArgs, NEXT, 'start', APP, '--port', String(port)], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout!.on('data', (d) => (log += d))
  child.stderr!.on('data', (d) => (log += d))
  const orphanGuard = () => child.kill('SIGKILL')
  process.once('exit', orphanGuard)
  child.once('exit', () => process.removeListener('exit', orphanGuard))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bench/bare-next exited with ${child.exitCode}:\n${log}`)
    // Any answer (a GET is 405) means it is serving.
    if (await fetch(`${url}/forward`).then(() => true, () => false)) return { url, pid: child.pid!, stop }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`bench/bare-next did not start in 60 s:\n${log}`)
}
