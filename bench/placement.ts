// Where the benchmark's processes run, and what each costs in CPU per call.
//
// Two placements, measured in one run with the same servers:
//   shared — everything on both cores, as a laptop or a small VM runs it (the load generator,
//            the fake upstream, Next.js and PostgreSQL compete for the same two cores);
//   pinned — the server under test (the bare forward server or Next.js) alone on core 1;
//            PostgreSQL, the load generator and the fake upstream on core 0, as if the database
//            were on a host of its own and the load came from elsewhere. This is how per-core
//            throughput is compared: what one core of app server does per call.
// Pinning uses taskset (util-linux) on every thread of every process of a tree; processes forked
// later (PostgreSQL backends, one per connection) inherit their parent's affinity.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

export type Placement = 'shared' | 'pinned'

/** The processes under `root` (itself included), from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)])
    } catch {
      // the process ended while the tree was read
    }
  }
  const tree: number[] = []
  const walk = (pid: number) => {
    tree.push(pid)
    for (const child of children.get(pid) ?? []) walk(child)
  }
  walk(root)
  return tree
}

/** CPU seconds (user + system) used so far by the processes of a tree. */
export function treeCpuSeconds(root: number): number {
  let total = 0
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number)
      total += (utime + stime) / 100
    } catch {
      // ended meanwhile
    }
  }
  return total
}

/** Pins every thread of every process of the tree to `cpuList` ("0", "1", "0,1"). */
export function pinTree(root: number, cpuList: string): void {
  for (const pid of processTree(root)) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' })
    } catch {
      // ended meanwhile, or a kernel thread we may not move
    }
  }
}

/** Whether this machine can pin (taskset present, two cores or more). */
export function canPin(): boolean {
  if (cpus().length < 2) return false
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export type Processes = { server: number; postgres: number; self: number }

/** Puts the server under test, PostgreSQL and this process (load generator and fake upstream) where `placement` says. */
export function place(placement: Placement, processes: Processes): void {
  const all = `0-${cpus().length - 1}`
  if (placement === 'shared') {
    for (const pid of [processes.server, processes.postgres, processes.self]) pinTree(pid, all)
    return
  }
  pinTree(processes.server, '1')
  pinTree(processes.postgres, '0')
  pinTree(processes.self, '0')
}

/** CPU used per call while `run` drives the server: the server's tree and PostgreSQL's, in ms. */
export async function cpuPerCall<T extends { calls: number }>(processes: Pick<Processes, 'server' | 'postgres'>, run: () => Promise<T>): Promise<T & { serverCpuMs: number; postgresCpuMs: number }> {
  const before = { server: treeCpuSeconds(processes.server), postgres: treeCpuSeconds(processes.postgres) }
  const result = await run()
  const calls = Math.max(1, result.calls)
  return {
    ...result,
    serverCpuMs: ((treeCpuSeconds(processes.server) - before.server) * 1000) / calls,
    postgresCpuMs: ((treeCpuSeconds(processes.postgres) - before.postgres) * 1000) / calls,
  }
}
