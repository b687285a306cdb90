// A server does not outlive its launcher or its output (lib/server/lifeline.ts). The launcher
// here is a small Node process that starts `next start` with piped output, as a test runner or
// a process manager does; the test then kills it, or makes it close the pipes, and waits for
// the server to go.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { adminUrl, createMigratedDatabase, withClient } from '@/test/databases'
import { ensureProductionBuild, freePort } from '@/test/next-server'

// Starts `next start` (argv[1]: port), prints its pid, and closes its output pipes on "close".
const LAUNCHER = `
const { spawn } = require('node:child_process')
const server = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '--port', process.argv[1]], { stdio: ['ignore', 'pipe', 'pipe'] })
server.stdout.on('data', () => {})
server.stderr.on('data', () => {})
console.log(server.pid)
process.stdin.on('data', (d) => { if (String(d).includes('close')) { server.stdout.destroy(); server.stderr.destroy(); console.log('closed') } })
`

type Launched = { launcher: ChildProcess; serverPid: number; url: string; said: (text: string) => Promise<void> }

const started: number[] = []
afterAll(() => {
  // A failing test must not leave its server behind for the rest of the run.
  for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL')
})

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z' // a zombie has exited
  } catch {
    return false
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function launch(databaseUrl: string): Promise<Launched> {
  ensureProductionBuild('.next-test')
  const port = await freePort()
  const launcher = spawn(process.execPath, ['-e', LAUNCHER, String(port)], {
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: '.next-test', DATABASE_URL: databaseUrl, AUTH_SECRET: 'lifeline-test-secret-at-least-32-characters' },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let output = ''
  launcher.stdout!.on('data', (d) => (output += d))
  const said = (text: string) => until(`the launcher to say ${text}`, () => output.includes(text))
  await until('the server pid', () => /^\d+\n/.test(output))
  const serverPid = Number(output.split('\n')[0])
  started.push(serverPid, launcher.pid!)
  const url = `http://127.0.0.1:${port}`
  await until('the server to be ready', () => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 90_000)
  return { launcher, serverPid, url, said }
}

describe('a server whose launcher or output goes away', () => {
  it('stops when its launcher is killed, freeing its port', async () => {
    const { launcher, serverPid, url } = await launch(await createMigratedDatabase('lifeline'))
    launcher.kill('SIGKILL')
    await until('the orphaned server to exit', () => !alive(serverPid))
    await expect(fetch(`${url}/api/health`)).rejects.toThrow()
  }, 180_000)

  it('stops when nobody reads its output any more, instead of spinning on write errors', async () => {
    const databaseUrl = await createMigratedDatabase('lifeline')
    const { launcher, serverPid, url, said } = await launch(databaseUrl)
    launcher.stdin!.write('close\n')
    await said('closed')
    // Something the server logs: its connections cut (the pool logs that), or a health check
    // that finds its database gone; whichever comes first makes it leave.
    const database = new URL(databaseUrl).pathname.slice(1)
    await withClient(adminUrl(), (c) => c.query(`drop database ${c.escapeIdentifier(database)} with (force)`))
    await fetch(`${url}/api/health`).catch(() => null)
    await until('the server with no output to exit', () => !alive(serverPid))
    expect(alive(launcher.pid!)).toBe(true) // the launcher itself is still there: only the output went
    launcher.kill('SIGKILL')
  }, 180_000)
})
