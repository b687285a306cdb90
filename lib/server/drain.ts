// Graceful shutdown for keep-alive clients. On SIGTERM Next.js closes its listener and waits for
// open connections to end, but a client that keeps sending on a kept-alive connection keeps it
// busy forever, and the process never exits. From SIGTERM on, every response therefore closes
// its connection when it is done (`Connection: close`), and idle connections are closed at
// once: calls in flight finish, nothing new is taken, and the server can exit.
import diagnostics from 'node:diagnostics_channel'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

type RequestStart = { request: IncomingMessage; response: ServerResponse; server: Server }

let installed = false
let draining = false
const shutdownTasks: (() => Promise<void>)[] = []
// Time the tasks get at the end: Next exits as soon as its own cleanup is done.
const SHUTDOWN_TASKS_MS = 3_000

/**
 * Work to finish before the process exits on SIGTERM (quota leases given back). Started at
 * SIGTERM; Next's process.exit() at the end of its graceful stop is held until they settle (at
 * most SHUTDOWN_TASKS_MS), since Node runs no async work once exit() is called.
 */
export function onShutdown(task: () => Promise<void>): void {
  shutdownTasks.push(task)
}
const servers = new Set<Server>()
const inFlight = new Map<ServerResponse, Server>()

function closeWhenDone(response: ServerResponse, server: Server): void {
  // Before the headers are out this makes Node send Connection: close and end the socket.
  if (!response.headersSent) response.shouldKeepAlive = false
  // A response already streaming keeps its connection alive by its headers; close it as idle.
  response.once('finish', () => setImmediate(() => server.closeIdleConnections()))
}

export function installGracefulDrain(): void {
  if (installed) return
  installed = true
  diagnostics.subscribe('http.server.request.start', (message) => {
    const { response, server } = message as RequestStart
    servers.add(server)
    if (draining) return closeWhenDone(response, server)
    inFlight.set(response, server)
    response.once('close', () => inFlight.delete(response))
  })
  process.once('SIGTERM', () => {
    draining = true
    console.log(`[tollgate] SIGTERM: finishing ${inFlight.size} call(s) in flight, then exiting`)
    for (const server of servers) server.closeIdleConnections()
    for (const [response, server] of inFlight) closeWhenDone(response, server)
    const tasks = Promise.allSettled(shutdownTasks.map((task) => task()))
    const exit = process.exit.bind(process)
    process.exit = ((code?: number) => {
      const limit = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TASKS_MS).unref())
      void Promise.race([tasks, limit]).finally(() => exit(code))
    }) as typeof process.exit
  })
}
