// The one classifier of database errors: nobody else looks at SQLSTATEs, Prisma codes or driver
// messages. First, which failures mean "the database cannot serve us right now" (down,
// restarting, overloaded) as opposed to a bug or bad data. Those are answered 503 with
// Retry-After (lib/errors.ts): the gateway fails closed, and a client can retry once the
// database is back.

export type DatabaseUnavailable = 'unreachable' | 'busy'

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2

// Driver-adapter error kinds (@prisma/adapter-pg) for a connection that is missing or lost.
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TlsConnectionError', 'TooManyConnections'])
// SQLSTATE: class 08 connection exceptions; 57P01-57P03 shutdown / crash / not yet accepting;
// 53300 too many connections; 57014 statement cancelled (our statement_timeout: overloaded or
// stuck behind a lock); 55P03 lock not available.
const UNREACHABLE_STATE = /^(08...|57P0[123]|53300)$/
const BUSY_STATE = /^(57014|55P03)$/
// Errors raised by pg / pg-pool / Prisma themselves, before PostgreSQL says anything. Bare
// socket codes such as ECONNRESET are not enough on their own: a client that hangs up while
// sending its request raises them too, and that is not the database's fault.
const UNREACHABLE_MESSAGE = /Connection terminated|Can't reach database server|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error|Client was closed and is not queryable/i
const BUSY_MESSAGE = /timeout exceeded when trying to connect/i

type Cause = { kind?: unknown; code?: unknown; originalCode?: unknown; syscall?: unknown }

/** Classifies a thrown value from Prisma or pg; null when it is not about the database's availability. */
export function databaseUnavailable(error: unknown): DatabaseUnavailable | null {
  for (const layer of layers(error)) {
    if (typeof layer.kind === 'string' && UNREACHABLE_KINDS.has(layer.kind)) return 'unreachable'
    const state = String(layer.originalCode ?? layer.code ?? '')
    if (UNREACHABLE_STATE.test(state) || state === 'ECONNREFUSED') return 'unreachable'
    // A reset or broken socket of our own connection (pg sets `syscall`); a client that hung
    // up on its request raises ECONNRESET too, but without a syscall.
    if (/^(ECONNRESET|EPIPE|ETIMEDOUT)$/.test(state) && typeof layer.syscall === 'string') return 'unreachable'
    if (BUSY_STATE.test(state)) return 'busy'
    const message = typeof layer.message === 'string' ? layer.message : ''
    if (BUSY_MESSAGE.test(message)) return 'busy'
    if (UNREACHABLE_MESSAGE.test(message)) return 'unreachable'
  }
  return null
}

// The rest of this module answers "what did the database refuse?" for errors that are not about
// its availability. Every caller asks here: a unique name taken, a value the columns refuse, a
// named constraint (an exclusion, a check).

type Wrapped = { code?: unknown; constraint?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: Cause & { kind?: unknown; originalMessage?: unknown; constraint?: unknown } } } }

/** Each error in the chain (error, its cause, …) and the driver error Prisma wraps in each. */
function* layers(error: unknown): Generator<Wrapped & Cause & { originalMessage?: unknown }> {
  const seen = new Set<unknown>()
  for (let current: unknown = error; current && typeof current === 'object' && !seen.has(current); current = (current as Wrapped).cause) {
    seen.add(current)
    const adapterCause = (current as Wrapped).meta?.driverAdapterError?.cause
    if (adapterCause) yield adapterCause
    yield current as Wrapped
  }
}

// Five characters; Prisma's own codes (P1000…P6999) look alike but are not PostgreSQL's (its P0xxx are).
const SQLSTATE = /^(?!P[1-9])[0-9A-Z]{5}$/

/**
 * The SQLSTATE PostgreSQL answered with, however it is wrapped: pg puts it in `code`; Prisma on
 * the pg driver adapter in meta.driverAdapterError.cause.originalCode. Null when PostgreSQL said
 * nothing (a socket error, a bug of ours).
 */
export function sqlState(error: unknown): string | null {
  for (const layer of layers(error)) {
    for (const value of [layer.originalCode, layer.code]) if (typeof value === 'string' && SQLSTATE.test(value)) return value
  }
  return null
}

/**
 * A unique constraint refused the row (SQLSTATE 23505; Prisma's P2002; the driver adapter's
 * UniqueConstraintViolation kind). The table's constraint is the one source of truth for
 * duplicates: checking first would race a concurrent write.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (sqlState(error) === '23505') return true
  for (const layer of layers(error)) if (layer.code === 'P2002' || layer.kind === 'UniqueConstraintViolation') return true
  return false
}

/**
 * A data error: SQLSTATE class 22 (a value the column refuses: out of range, bad encoding) or
 * 23 (an integrity constraint: a foreign key whose row is gone, a check). Retrying the same
 * statement fails the same way.
 */
export function isDataError(error: unknown): boolean {
  return /^2[23]/.test(sqlState(error) ?? '')
}

/**
 * An insert into a partitioned table found no partition for its row (SQLSTATE 23514 with
 * PostgreSQL's own wording; a CHECK constraint says "violates check constraint" instead). For
 * api_usage this means the row's month has not been created yet (lib/usage/ledger-months.ts).
 */
export function isMissingPartition(error: unknown): boolean {
  if (sqlState(error) !== '23514') return false
  for (const layer of layers(error)) {
    for (const text of [layer.originalMessage, layer.message]) if (typeof text === 'string' && text.startsWith('no partition of relation')) return true
  }
  return false
}

/**
 * Whether the constraint named `name` refused the statement. PostgreSQL names it in the
 * error's `constraint` field; Prisma keeps only the message, which quotes the name.
 */
export function violatesConstraint(error: unknown, name: string): boolean {
  if (!/^23/.test(sqlState(error) ?? '')) return false
  for (const layer of layers(error)) {
    if (layer.constraint === name) return true
    for (const text of [layer.originalMessage, layer.message]) if (typeof text === 'string' && text.includes(`"${name}"`)) return true
  }
  return false
}
