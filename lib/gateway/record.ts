import 'server-only'
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { pool } from '@/lib/db/prisma'
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

const INT_MAX = 2_147_483_647
const COUNTS = ['input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'images_generated', 'latency_ms', 'time_to_first_token_ms'] as const

/** Counts as the integer columns accept them: an upstream's odd number must not cost the row. */
function clampCounts(record: UsageRecord): UsageRecord {
  const out = { ...record }
  for (const key of COUNTS) {
    const v = out[key]
    if (v === undefined || v === null) continue
    out[key] = Number.isFinite(v) ? Math.min(INT_MAX, Math.max(0, Math.round(v))) : 0
  }
  return out
}

async function writeOnce(record: UsageRecord): Promise<void> {
  try {
    await pool().query('select public.record_usage($1::jsonb)', [JSON.stringify(record)])
  } catch (error) {
    // A data error (SQLSTATE class 22/23: a value the columns refuse, a user deleted
    // meanwhile, whose details have nobody to belong to) would fail every retry. The call must
    // still be booked: drop the optional details and write the rest.
    // (pg reports the SQLSTATE as `code`; the hot path no longer goes through Prisma, whose
    // messages had to be searched for it.)
    if (!/^2[23][0-9A-Z]{3}$/.test(String((error as { code?: unknown }).code ?? ''))) throw error
    console.error(`[usage] ${record.request_id}: stored without payloads after a data error: ${(error as Error).message.split('\n')[0]}`)
    const bare = { ...record, request_payload: null, response_payload: null, ip_address: null, user_agent: null, campaign_id: null, metadata: { stored_without_details: true } }
    await pool().query('select public.record_usage($1::jsonb)', [JSON.stringify(bare)])
  }
}

function spool(record: UsageRecord): void {
  try {
    mkdirSync(path.dirname(SPOOL), { recursive: true })
    // Owner-only: rows carry prompts, outputs and IP addresses.
    appendFileSync(SPOOL, `${JSON.stringify(record)}\n`, { mode: 0o600 })
  } catch (error) {
    // Disk full or read-only: the row is lost, loudly (by id: its content is personal data),
    // rather than crashing the server.
    console.error(`[usage] could not spool ${record.request_id}: ${(error as Error).message}`)
  }
}

/**
 * trackAPIUsage (seed name, docs/seed-names.md): writes the row and its rollups in one round
 * trip. Never throws — a failure is logged with the request id, retried, and finally spooled
 * to disk for replay, so the caller's response is never affected and no row is lost.
 */
export async function trackAPIUsage(input: UsageRecord): Promise<void> {
  const record = clampCounts(input)
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

let replaying: Promise<number> | null = null

/**
 * Replays spooled rows; keeps the ones that still fail. Returns how many were recorded. One
 * replay at a time per process; the first failure (the database is still away) puts the rest
 * back untried rather than waiting out a timeout per row.
 */
export function replaySpool(): Promise<number> {
  replaying ??= replayOnce().finally(() => (replaying = null))
  return replaying
}

async function replayOnce(): Promise<number> {
  const dir = path.dirname(SPOOL)
  // Files claimed by a replay that died half-way are adopted too.
  const leftovers = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${path.basename(SPOOL)}.`) && f.endsWith('.replaying')).map((f) => path.join(dir, f)) : []
  const claimed: string[] = [...leftovers]
  if (existsSync(SPOOL)) {
    const mine = `${SPOOL}.${process.pid}.${Date.now()}.replaying`
    renameSync(SPOOL, mine) // claim the file, so concurrent writers start a fresh spool
    claimed.push(mine)
  }
  let recorded = 0
  let databaseAway = false
  for (const file of claimed) {
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      let record: UsageRecord
      try {
        record = JSON.parse(line) as UsageRecord
      } catch {
        console.error(`[usage] unreadable spool line dropped: ${line.slice(0, 200)}`)
        continue
      }
      if (databaseAway) {
        spool(record)
        continue
      }
      try {
        await writeOnce(record)
        recorded++
      } catch {
        databaseAway = true
        spool(record)
      }
    }
    rmSync(file, { force: true })
  }
  if (recorded) console.log(`[usage] replayed ${recorded} spooled row(s)`)
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
  // Checked often (a missing file costs one stat) so rows spooled during a database outage
  // land within seconds of its end.
  setInterval(() => void replaySpool().catch(() => {}), 5_000).unref()
  void replaySpool().catch(() => {})
}
