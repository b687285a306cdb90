// `npm run bench`'s report: per placement, every gateway run against the bare Next.js route of the
// same placement and connections (throughput ratio, CPU ratio, added latency; the bare Node.js
// forward's CPU beside it, the floor), the streamed first token over the bare route's, and
// issue 18's targets, each met or missed by how much.
// Writes bench/results/gateway-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import type { Check, Run } from './gateway'
import type { Placement } from './placement'

type Input = {
  duration: number
  runs: Run[]
  checks: Check[]
  streaming: Record<string, Streaming>
  serverPeakRssMb: number
  forwardPeakRssMb: number
  bareNextPeakRssMb: number
}

/** Median time to the first streamed token, ms: upstream direct, bare Node.js forward, bare Next.js route, gateway. */
export type Streaming = { direct: number; node: number; next: number; gateway: number }

const round = (n: number | null, digits = 2) => (n === null ? null : Number(n.toFixed(digits)))

export function report(input: Input): void {
  const { runs } = input
  const find = (placement: Placement, prefix: string, connections: number) => runs.find((r) => r.placement === placement && r.name.startsWith(prefix) && r.connections === connections)
  const placements = [...new Set(runs.map((r) => r.placement))]

  const ratios = runs
    .filter((r) => r.name.startsWith('d.') || r.name.startsWith('e.'))
    .map((r) => {
      const bare = find(r.placement, 'c.', r.connections)!
      const node = find(r.placement, 'b.', r.connections)!
      return {
        placement: r.placement,
        target: r.name,
        connections: r.connections,
        throughput_vs_bare: round(r.rps / bare.rps),
        server_cpu_ms_per_call: round(r.serverCpuMs),
        bare_cpu_ms_per_call: round(bare.serverCpuMs),
        server_cpu_vs_bare: round(r.serverCpuMs! / bare.serverCpuMs!),
        node_floor_cpu_ms_per_call: round(node.serverCpuMs),
        postgres_cpu_ms_per_call: round(r.postgresCpuMs),
        transactions_per_call: round(r.transactionsPerCall),
        added_p50_ms: round(r.p50 - bare.p50),
        added_p99_ms: round(r.p99 - bare.p99),
      }
    })

  // The targets are stated for the pinned placement (the gateway alone on one core).
  const p: Placement = placements.includes('pinned') ? 'pinned' : 'shared'
  const c32 = ratios.find((r) => r.placement === p && r.target.startsWith('d.') && r.connections === 32)
  const d32 = ratios.find((r) => r.placement === p && r.target.startsWith('e.') && r.connections === 32)
  const c1 = ratios.find((r) => r.placement === p && r.target.startsWith('d.') && r.connections === 1)
  const stream = input.streaming[p]
  const target = (name: string, value: number | null | undefined, limit: number, unit: string, atMost = true) => {
    const met = value !== null && value !== undefined && (atMost ? value <= limit : value >= limit)
    return { target: name, value: round(value ?? null), limit, met, gap: met || value === null || value === undefined ? null : `${round(Math.abs(value - limit))} ${unit}` }
  }
  const targets = [
    target('throughput vs bare, 32 connections (one user)', c32?.throughput_vs_bare, 0.75, '', false),
    target('throughput vs bare, 32 connections (32 users)', d32?.throughput_vs_bare, 0.75, '', false),
    target('Next.js CPU per call vs bare (32 connections)', c32?.server_cpu_vs_bare, 1.35, '×'),
    target('added p50 over bare, 1 connection (ms)', c1?.added_p50_ms, 1, 'ms'),
    target('streamed first token over bare (ms)', stream ? stream.gateway - stream.next : null, 1, 'ms'),
    target('PostgreSQL CPU per call (ms, 32 connections)', c32?.postgres_cpu_ms_per_call, 0.5, 'ms'),
    target('database round trips per call (32 connections)', c32?.transactions_per_call, 1, ''),
  ]

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    duration_seconds: input.duration,
    targets_placement: p,
    runs,
    ratios,
    streaming_ttft_ms: Object.fromEntries(Object.entries(input.streaming).map(([k, v]) => [k, { ...v, gateway_over_next: v.gateway - v.next }])),
    gateway_checks: input.checks,
    targets,
    server_peak_rss_mb: input.serverPeakRssMb,
    forward_server_peak_rss_mb: input.forwardPeakRssMb,
    bare_next_peak_rss_mb: input.bareNextPeakRssMb,
  }
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/gateway-latest.json', `${JSON.stringify(result, null, 2)}\n`)
  console.table(runs.map((r) => ({
    placement: r.placement, target: r.name, conn: r.connections, 'req/s': Math.round(r.rps), 'p50 ms': round(r.p50), 'p99 ms': r.p99,
    'server CPU ms/call': round(r.serverCpuMs), 'PG CPU ms/call': round(r.postgresCpuMs), 'tx/call': round(r.transactionsPerCall), errors: r.errors,
  })))
  console.table(ratios)
  console.table(result.streaming_ttft_ms)
  console.table(targets.map((t) => ({ ...t, met: t.met ? 'yes' : 'NO' })))
  console.log({ gateway_checks: input.checks, server_peak_rss_mb: input.serverPeakRssMb })
}
