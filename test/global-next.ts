// A real Next.js server for integration tests: `next dev` on a free port, against its own
// migrated database on the run's PostgreSQL, in its own build folder (.next-test) so that it
// never disturbs a developer's `npm run dev`.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { ensureDatabase } from '../lib/db/embedded'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    nextDatabaseUrl: string
  }
}

async function freePort(): Promise<number> {
  const net = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next dev exited with ${child.exitCode}:\n${output()}`)
    try {
      const response = await fetch(`${url}/api/health`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`next dev did not become ready in 90 s:\n${output()}`)
}

export default async function setup(project: TestProject) {
  const adminUrl = project.getProvidedContext().pgAdminUrl
  const database = `next_${randomBytes(4).toString('hex')}`
  await ensureDatabase(adminUrl, database, project.getProvidedContext().pgTemplate)
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString()
  const port = await freePort()
  let log = ''
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'dev', '--port', String(port)], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: 'integration-test-secret-at-least-32-chars',
      NEXT_DIST_DIR: '.next-test',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d) => (log += d))
  child.stderr?.on('data', (d) => (log += d))
  const baseUrl = `http://127.0.0.1:${port}`
  await waitUntilReady(baseUrl, child, () => log)
  project.provide('baseUrl', baseUrl)
  project.provide('nextDatabaseUrl', databaseUrl)
  return async () => {
    child.kill('SIGTERM')
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))
  }
}
