// A server must not outlive what launched it. Two ways one did:
// - its launcher died (SIGKILL, a crashed test worker, `next dev`'s parent killed): the server
//   was adopted by PID 1 and kept listening, holding the port a restart needs;
// - its output pipe closed: every log line then failed with EPIPE, Node reported that as an
//   error, the error was logged to the same dead pipe, and the process spun at 100 % CPU.
// Either way the server now leaves as it does on SIGTERM: calls in flight finish and their
// rows are written (lib/server/drain.ts, the shutdown spool), then it exits.
import { env } from '@/lib/env'

let installed = false

export function installLifeline(): void {
  if (installed) return
  installed = true
  const launcher = process.ppid
  let leaving = false
  const leave = () => {
    if (leaving) return
    leaving = true
    process.kill(process.pid, 'SIGTERM')
    // If the graceful stop hangs, the process goes anyway: an orphan is worse than a cut call
    // (whose row the shutdown spool keeps).
    setTimeout(() => process.exit(1), env.SHUTDOWN_GRACE_MS + 5_000).unref()
  }

  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      // Nobody reads our output any more: stop writing (each write would fail again) and go.
      for (const s of [process.stdout, process.stderr]) s.write = (() => true) as typeof s.write
      leave()
    })
  }

  // Adopted by another process (PID 1 or a subreaper): the launcher is gone. A server started
  // by PID 1 itself (a container's entrypoint, systemd) has nobody to outlive.
  if (launcher > 1) {
    setInterval(() => {
      if (process.ppid === launcher || leaving) return
      console.error(`[tollgate] the process that started this server (pid ${launcher}) is gone; stopping`)
      leave()
    }, 1_000).unref()
  }
}
