// Starting a real `next dev` for tests: a free port, its own build folder (so it never shares
// a dev lock with another server), readiness by /api/health, and a stop that waits for exit.
import { spawn } from 'node:child_process'
import net from 'node:net'

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

export type NextServer = { url: string; output: () => string; stop: () => Promise<void> }

/** Starts `next dev` with `env` (layered on this process's) and waits until it answers. */
export async function startNextDev(options: { distDir: string; env: Record<string, string | undefined> }): Promise<NextServer> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: options.distDir }
  for (const [key, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  let log = ''
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'dev', '--port', String(port)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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
    if (child.exitCode !== null) throw new Error(`next dev exited with ${child.exitCode}:\n${log}`)
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) return { url, output: () => log, stop }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`next dev did not become ready in 90 s:\n${log}`)
}
