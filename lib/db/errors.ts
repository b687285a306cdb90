// Which database failures mean "the database cannot serve us right now" (down, restarting,
// overloaded) as opposed to a bug or bad data. Those are answered 503 with Retry-After: the
// gateway fails closed, and a client can retry once the database is back.

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

type Cause = { kind?: unknown; code?: unknown; originalCode?: unknown }

/** Classifies a thrown value from Prisma or pg; null when it is not about the database's availability. */
export function databaseUnavailable(error: unknown): DatabaseUnavailable | null {
  const seen = new Set<unknown>()
  let current: unknown = error
  // Prisma wraps the driver's error (meta.driverAdapterError.cause); pg errors nest in .cause.
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current)
    const e = current as { message?: unknown; code?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: Cause } } }
    const adapterCause = e.meta?.driverAdapterError?.cause
    const causes: Cause[] = [adapterCause, e as Cause].filter((c): c is Cause => Boolean(c))
    for (const cause of causes) {
      if (typeof cause.kind === 'string' && UNREACHABLE_KINDS.has(cause.kind)) return 'unreachable'
      const state = String(cause.originalCode ?? cause.code ?? '')
      if (UNREACHABLE_STATE.test(state) || state === 'ECONNREFUSED') return 'unreachable'
      // A reset or broken socket of our own connection (pg sets `syscall`); a client that hung
      // up on its request raises ECONNRESET too, but without a syscall.
      if (/^(ECONNRESET|EPIPE|ETIMEDOUT)$/.test(state) && typeof (cause as { syscall?: unknown }).syscall === 'string') return 'unreachable'
      if (BUSY_STATE.test(state)) return 'busy'
    }
    const message = typeof e.message === 'string' ? e.message : ''
    if (BUSY_MESSAGE.test(message)) return 'busy'
    if (UNREACHABLE_MESSAGE.test(message)) return 'unreachable'
    current = e.cause
  }
  return null
}

/**
 * A value the columns or constraints refuse (SQLSTATE class 22, data exception, or 23,
 * integrity violation): the same statement fails the same way however often it is retried.
 * pg reports the SQLSTATE as `code`.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)
}
