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
  })
}
