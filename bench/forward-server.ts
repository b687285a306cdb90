// The benchmarks' floor: a bare Node.js HTTP server, in a process of its own, that forwards a
// chat call to the fake upstream with no auth, no database and no metering (fetch upstream,
// stream its body back), as the old /api/bench/forward route did inside Next.js. It lives here,
// not in app/, so the production route tree has no benchmark route.
//
// Run as a script (`node --import tsx bench/forward-server.ts <upstream url>`) it listens on a
// free port and prints `listening <port>`; startForwardServer() does that in a child process,
// so the benchmarks can measure its CPU (and profile it) apart from theirs.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

export type ForwardServer = { url: string; pid: number; stop: () => Promise<void> }

/** Starts the forward server in its own Node process (`nodeArgs`, e.g. --cpu-prof, go to Node). */
export async function startForwardServer(upstreamUrl: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<ForwardServer> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), upstreamUrl], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  const orphanGuard = () => child.kill('SIGKILL')
  process.once('exit', orphanGuard)
  child.once('exit', () => process.removeListener('exit', orphanGuard))
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /listening (\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`the forward server exited with ${code} before listening`)))
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop }
}

function serveForward(upstreamUrl: string): void {
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/forward') {
      res.writeHead(404).end()
      return
    }
    try {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const upstream = await fetch(`${upstreamUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: String(req.headers['x-upstream-authorization'] ?? '') },
        body: Buffer.concat(chunks),
      })
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
      if (upstream.body) Readable.fromWeb(upstream.body as never).pipe(res)
      else res.end()
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error))
    }
  })
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`))
  // SIGTERM ends the process normally, so --cpu-prof writes its profile.
  process.once('SIGTERM', () => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serveForward(process.argv[2])
