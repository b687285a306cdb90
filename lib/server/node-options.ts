// The Node.js heap cap `npm start` gives Next.js unless NODE_OPTIONS already sets one. Left
// alone, V8 sizes the heap from the machine's memory (gigabytes here) and collects lazily, so
// the server's RSS under load grows far past what it needs; with 192 MB of old space it stays
// near 340 MB at a few percent of throughput (BENCHMARKS.md, memory).
export const DEFAULT_HEAP_MB = 192

export function withHeapCap(nodeOptions: string | undefined): string {
  const current = nodeOptions?.trim() ?? ''
  if (/--max-old-space-size\b/.test(current)) return current
  return `${current} --max-old-space-size=${DEFAULT_HEAP_MB}`.trim()
}
