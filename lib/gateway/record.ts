import 'server-only'
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'

/** One api_usage row, in the table's own column names (money as decimal strings). */
export type UsageRecord = {
  user_id: string
  service_type: 'content' | 'chat' | 'image' | 'video'
  provider: string
  model: string
  endpoint: string
  request_id: string
  campaign_id?: string | null
  input_tokens?: number
  output_tokens?: number
  cached_tokens?: number
  reasoning_tokens?: number
  images_generated?: number
  video_seconds?: string | number
  input_cost: string | null
  output_cost: string | null
  generation_cost: string | null
  total_cost: string | null
  price_snapshot: unknown
  cost_status: 'priced' | 'estimated' | 'unpriced'
  latency_ms?: number | null
  time_to_first_token_ms?: number | null
  status: 'success' | 'error' | 'rate_limited' | 'limit_exceeded' | 'client_aborted'
  error_code?: string | null
  ip_address?: string | null
  user_agent?: string | null
  request_payload?: unknown
  response_payload?: unknown
  metadata?: Record<string, unknown>
  created_at?: string
}

// A recording that fails after its retries is appended here and replayed later: the row's
// request_id makes replays harmless (record_usage ignores a row it already has).
const SPOOL = path.join(env.DATA_DIR, 'usage-spool.jsonl')
const RETRY_DELAYS_MS = [100, 500, 2_000]
const pending = new Map<string, UsageRecord>()

async function writeOnce(record: UsageRecord): Promise<void> {
  await db().$queryRaw`select public.record_usage(${JSON.stringify(record)}::jsonb)`
}

function spool(record: UsageRecord): void {
  mkdirSync(path.dirname(SPOOL), { recursive: true })
  appendFileSync(SPOOL, `${JSON.stringify(record)}\n`)
}

/**
 * The original specification's trackAPIUsage: writes the row and its rollups in one round
 * trip. Never throws — a failure is logged with the request id, retried, and finally spooled
 * to disk for replay, so the caller's response is never affected and no row is lost.
 */
export async function trackAPIUsage(record: UsageRecord): Promise<void> {
  pending.set(record.request_id, record)
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await writeOnce(record)
        return
      } catch (error) {
        console.error(`[usage] recording ${record.request_id} failed (attempt ${attempt + 1}): ${(error as Error).message}`)
        if (attempt >= RETRY_DELAYS_MS.length) break
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]))
      }
    }
    spool(record)
    console.error(`[usage] ${record.request_id} spooled to ${SPOOL} for replay`)
  } finally {
    pending.delete(record.request_id)
  }
}

/** Replays spooled rows; keeps the ones that still fail. Returns how many were recorded. */
export async function replaySpool(): Promise<number> {
  if (!existsSync(SPOOL)) return 0
  const claimed = `${SPOOL}.${process.pid}.replaying`
  renameSync(SPOOL, claimed) // claim the file, so concurrent writers start a fresh spool
  let recorded = 0
  for (const line of readFileSync(claimed, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as UsageRecord
    try {
      await writeOnce(record)
      recorded++
    } catch {
      spool(record)
    }
  }
  rmSync(claimed)
  return recorded
}

let installed = false
/**
 * On a clean shutdown, rows still being recorded are written to the spool synchronously
 * (Node runs no more async work on exit), and replayed at the next start.
 */
export function installShutdownSpool(): void {
  if (installed) return
  installed = true
  process.on('exit', () => {
    for (const record of pending.values()) spool(record)
  })
  setInterval(() => void replaySpool().catch(() => {}), 30_000).unref()
  void replaySpool().catch(() => {})
}
