import 'server-only'
import type { PoolClient } from 'pg'
import { isDataError, isMissingPartition, sqlState } from '@/lib/db/errors'
import { pool } from '@/lib/db/prisma'
import type { UsageRow } from '@/lib/metering/row'
import { createLedgerMonth } from '@/lib/usage/ledger-months'

/**
 * A write that must commit together with the row, or neither happens: run on the row's
 * transaction, it answers whether this call won (a video job's finish: concurrent polls race on
 * `finished_at is null`, and only the winner writes the row).
 */
export type Claim = (client: PoolClient) => Promise<boolean>

const RECORD = 'select public.record_usage($1::jsonb)'

/**
 * Stores one row with record_usage (the row, its details, rollups, counters, hold release and
 * alerts in one transaction; idempotent on request_id). Returns false only when a claim was
 * lost. Throws what the database threw, for the writer to retry or spool.
 */
export async function storeUsageRow(row: UsageRow, claim?: Claim): Promise<boolean> {
  try {
    return await storeInItsMonth(row, claim)
  } catch (error) {
    // A data error (a value the columns refuse, a user deleted meanwhile whose details have
    // nobody to belong to) would fail every retry. The call must still be booked: drop the
    // optional details and write the rest.
    if (!isDataError(error)) throw error
    console.error(`[usage] ${row.request_id}: stored without payloads after a data error: ${reasonOf(error)}`)
    return storeInItsMonth(withoutDetails(row), claim)
  }
}

/**
 * storeOnce, creating the row's month of api_usage first if it has none (a spool replay of an
 * old call, a clock far ahead). The app creates months ahead (lib/usage/ledger-months.ts), so
 * this costs nothing on the request path: only a row that fails for its month pays for it.
 * A batch (lib/metering/batch.ts) that fails so is written row by row through here.
 */
async function storeInItsMonth(row: UsageRow, claim?: Claim): Promise<boolean> {
  try {
    return await storeOnce(row, claim)
  } catch (error) {
    if (!isMissingPartition(error)) throw error
    await createLedgerMonth(row.created_at)
    return storeOnce(row, claim)
  }
}

function withoutDetails(row: UsageRow): UsageRow {
  return { ...row, request_payload: null, response_payload: null, ip_address: null, user_agent: null, campaign_id: null, metadata: { stored_without_details: true } }
}

async function storeOnce(row: UsageRow, claim?: Claim): Promise<boolean> {
  if (!claim) {
    await pool().query(RECORD, [JSON.stringify(row)])
    return true
  }
  const client = await pool().connect()
  let broken = false
  try {
    await client.query('begin')
    if (!(await claim(client))) {
      await client.query('rollback')
      return false
    }
    await client.query(RECORD, [JSON.stringify(row)])
    await client.query('commit')
    return true
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('rollback').catch(() => (broken = true))
    throw error
  } finally {
    client.release(broken)
  }
}

/** One line saying why a write failed, for logs and dead letters: the SQLSTATE and the first line of the message (never the row). */
export function reasonOf(error: unknown): string {
  const code = sqlState(error)
  const message = String((error as Error | null)?.message ?? error).split('\n')[0].slice(0, 300)
  return code ? `${code}: ${message}` : message
}
