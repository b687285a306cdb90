import 'server-only'
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { databaseUnavailable } from '@/lib/db/errors'
import { env } from '@/lib/env'
import type { UsageRow } from '@/lib/metering/row'
import { reasonOf, storeUsageRow } from '@/lib/metering/store'

// Rows the writer could not store wait in SPOOL (one JSON row a line) and are replayed in the
// order they came; replays are harmless because record_usage ignores a request_id it has. A
// row the database refuses for good, or a line that is not a row, goes to DEAD with its reason
// and time, so it never blocks the rows behind it; `npm run tollgate -- spool` shows and
// retries those. Both files are the owner's only (0600): rows carry prompts, outputs and IPs.
const SPOOL = path.join(env.DATA_DIR, 'usage-spool.jsonl')
const DEAD = path.join(env.DATA_DIR, 'usage-dead-letter.jsonl')

/** A row that could not be stored, as the dead-letter file keeps it. */
type DeadLetter = { request_id: string | null; reason: string; failed_at: string; attempts: number } & ({ row: UsageRow } | { line: string })

/** A dead letter as the operator sees it (never the row's content). */
export type DeadLetterSummary = { request_id: string | null; reason: string; failed_at: string; attempts: number }

function append(file: string, lines: string[]): void {
  if (lines.length === 0) return
  mkdirSync(path.dirname(file), { recursive: true })
  appendFileSync(file, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 })
}

/** Appends a row to the spool, synchronously (it also runs on exit). Never throws: a row that cannot be spooled is logged, by id only. */
export function spoolRow(row: UsageRow): void {
  try {
    append(SPOOL, [JSON.stringify(row)])
  } catch (error) {
    // Disk full or read-only: the row is lost, loudly (by id: its content is personal data),
    // rather than crashing the server.
    console.error(`[usage] could not spool ${row.request_id}: ${(error as Error).message}`)
  }
}

function deadLetter(entry: DeadLetter): void {
  try {
    append(DEAD, [JSON.stringify(entry)])
  } catch (error) {
    console.error(`[usage] could not dead-letter ${entry.request_id ?? 'an unreadable line'}: ${(error as Error).message}`)
  }
}

// A torn or foreign line may still name its call; the operator needs that to find it.
const REQUEST_ID = /"request_id":"(req_[\w-]{1,100})"/
const requestIdOf = (line: string) => REQUEST_ID.exec(line)?.[1] ?? null

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Files claimed by a replay (`<base>.<pid>.<ms>.<suffix>`) that nobody else is working on:
 * this process's own, or those of a process that died half-way. Oldest first, so their rows
 * keep their place ahead of the ones spooled since.
 */
function leftovers(base: string, suffix: string): string[] {
  const dir = path.dirname(base)
  if (!existsSync(dir)) return []
  const pattern = new RegExp(`^${path.basename(base).replaceAll('.', '\\.')}\\.(\\d{1,10})\\.(\\d{1,16})\\.${suffix}$`)
  return readdirSync(dir)
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter(({ match }) => match && (Number(match[1]) === process.pid || !processAlive(Number(match[1]))))
    .sort((a, b) => Number(a.match![2]) - Number(b.match![2]) || a.name.localeCompare(b.name))
    .map(({ name }) => path.join(dir, name))
}

/** Claims `base` by renaming it, so writers start a fresh file meanwhile; returns the leftovers first. */
function claim(base: string, suffix: string): string[] {
  const files = leftovers(base, suffix)
  if (existsSync(base)) {
    const mine = `${base}.${process.pid}.${Date.now()}.${suffix}`
    renameSync(base, mine)
    files.push(mine)
  }
  return files
}

const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

function parseRow(line: string): UsageRow | null {
  try {
    const value: unknown = JSON.parse(line)
    return value && typeof value === 'object' && typeof (value as { request_id?: unknown }).request_id === 'string' ? (value as UsageRow) : null
  } catch {
    return null
  }
}

let replaying: Promise<number> | null = null

/**
 * Replays the spool in order; returns how many rows were stored. One replay at a time per
 * process. A row the database refuses for good is dead-lettered and the replay goes on; an
 * unavailable database stops it, with that row and all behind it kept in order for next time.
 */
export function replaySpool(): Promise<number> {
  replaying ??= replayOnce().finally(() => (replaying = null))
  return replaying
}

async function replayOnce(): Promise<number> {
  let stored = 0
  for (const file of claim(SPOOL, 'replaying')) {
    const lines = linesOf(file)
    for (const [index, line] of lines.entries()) {
      const row = parseRow(line)
      if (!row) {
        const requestId = requestIdOf(line)
        console.error(`[usage] unreadable spool line${requestId ? ` (${requestId})` : ''} moved to the dead letters`)
        deadLetter({ request_id: requestId, reason: 'unreadable spool line (not a usage row in JSON)', failed_at: new Date().toISOString(), attempts: 1, line })
        continue
      }
      try {
        await storeUsageRow(row)
        stored++
      } catch (error) {
        if (databaseUnavailable(error)) {
          // Kept where it is: this file is older than the live spool, so it is replayed first.
          writeFileSync(`${file}.tmp`, lines.slice(index).map((l) => `${l}\n`).join(''), { mode: 0o600 })
          renameSync(`${file}.tmp`, file)
          console.error(`[usage] replay stopped at ${row.request_id}, the database is unavailable; ${lines.length - index} row(s) kept: ${reasonOf(error)}`)
          if (stored) console.log(`[usage] replayed ${stored} spooled row(s)`)
          return stored
        }
        console.error(`[usage] spooled row ${row.request_id} cannot be stored, moved to the dead letters: ${reasonOf(error)}`)
        deadLetter({ request_id: row.request_id, reason: reasonOf(error), failed_at: new Date().toISOString(), attempts: 1, row })
      }
    }
    rmSync(file, { force: true })
  }
  if (stored) console.log(`[usage] replayed ${stored} spooled row(s)`)
  return stored
}

/** Request ids waiting in the spool, in replay order (null for a line that names none). */
export function listSpooled(): (string | null)[] {
  const files = [...leftovers(SPOOL, 'replaying'), ...(existsSync(SPOOL) ? [SPOOL] : [])]
  return files.flatMap((file) => linesOf(file).map((line) => parseRow(line)?.request_id ?? requestIdOf(line)))
}

function readDeadLetters(file: string): DeadLetter[] {
  return linesOf(file).map((line) => {
    try {
      return JSON.parse(line) as DeadLetter
    } catch {
      return { request_id: requestIdOf(line), reason: 'unreadable dead-letter line', failed_at: new Date(0).toISOString(), attempts: 0, line }
    }
  })
}

/** The dead letters: which call, why it could not be stored, when it last failed, how often. */
export function listDeadLetters(): DeadLetterSummary[] {
  const files = [...leftovers(DEAD, 'retrying'), ...(existsSync(DEAD) ? [DEAD] : [])]
  return files.flatMap(readDeadLetters).map(({ request_id, reason, failed_at, attempts }) => ({ request_id, reason, failed_at, attempts }))
}

/**
 * Tries every dead letter again (after its cause was fixed: a migration, a constraint). Stored
 * ones leave the file; the rest stay with their new reason. An unavailable database stops the
 * retry with everything kept.
 */
export async function retryDeadLetters(): Promise<{ stored: number; dead: number }> {
  let stored = 0
  let dead = 0
  let away = false
  const still: DeadLetter[] = []
  for (const file of claim(DEAD, 'retrying')) {
    for (const entry of readDeadLetters(file)) {
      const row = 'row' in entry ? entry.row : parseRow(entry.line)
      if (away || !row) {
        still.push(away ? entry : { ...entry, failed_at: new Date().toISOString(), attempts: entry.attempts + 1 })
        continue
      }
      try {
        await storeUsageRow(row)
        stored++
      } catch (error) {
        away = databaseUnavailable(error) !== null
        still.push(away ? entry : { request_id: row.request_id, reason: reasonOf(error), failed_at: new Date().toISOString(), attempts: entry.attempts + 1, row })
      }
    }
    // Written back before the claimed file goes, so a crash in between duplicates, never loses.
    dead += still.length
    append(DEAD, still.splice(0).map((e) => JSON.stringify(e)))
    rmSync(file, { force: true })
  }
  return { stored, dead }
}
