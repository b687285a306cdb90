import 'server-only'
import { createHash } from 'node:crypto'
import { headers } from 'next/headers'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { ipFromHeaders } from '@/lib/gateway/client-info'

// Three throttles stand in front of every password hash (sign-in, sign-up, the password form),
// all in PostgreSQL so every instance counts the same attempts, all checked in one round trip
// BEFORE the hash (the hash is the expensive part):
// - per email: from the fifth failure in a row, the next attempt waits 1, 2, 4 … seconds (at
//   most five minutes). A delay, not a lock: the owner gets in once it has passed, so nobody
//   can lock a victim out by guessing wrong on purpose.
// - per caller IP (known only behind a trusted proxy, TRUST_PROXY): AUTH_IP_ATTEMPTS_PER_MINUTE.
// - for the whole deployment: AUTH_HASHES_PER_SECOND, the ceiling that keeps the CPU for calls.
// The SQL is in supabase/migrations/20241109_sign_in_abuse.sql.
const FREE_FAILURES = 5
const MAX_DELAY_SECONDS = 300
// Failures further apart than this start the count again.
const WINDOW_MINUTES = 15

export type ThrottleRefusal = { scope: 'email' | 'ip' | 'global'; retryAfterSeconds: number }

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
// Hashed, so the tables do not become lists of addresses people tried.
const emailHash = (email: string) => sha256(email.trim().toLowerCase())

/**
 * Starts one password attempt; `email` keys the per-email delay (null for sign-up). Null when
 * the hash may run, else who refused and for how long. An attempt that goes ahead is counted
 * as a failure until attemptSucceeded() or attemptVoid() says otherwise.
 */
export async function beginAttempt(email: string | null): Promise<ThrottleRefusal | null> {
  const ip = ipFromHeaders(await headers())
  const rows = await db().$queryRaw<{ scope: ThrottleRefusal['scope'] | null; retry_after: number }[]>`
    select scope, retry_after from public.auth_attempt_begin(
      ${email ? emailHash(email) : null}::text, ${ip ? sha256(ip) : null}::text,
      ${env.AUTH_IP_ATTEMPTS_PER_MINUTE}::int, ${env.AUTH_HASHES_PER_SECOND}::int,
      ${FREE_FAILURES}::int, ${MAX_DELAY_SECONDS}::int, ${WINDOW_MINUTES}::int)`
  const row = rows[0]
  return row?.scope ? { scope: row.scope, retryAfterSeconds: row.retry_after } : null
}

/** The password was wrong: the email's delay (if it has one yet) starts now. */
export async function attemptFailed(email: string): Promise<void> {
  await db().$executeRaw`select public.auth_attempt_failed(${emailHash(email)}, ${FREE_FAILURES}::int, ${MAX_DELAY_SECONDS}::int)`
}

/** The password was right: the email's failures are forgotten. */
export async function attemptSucceeded(email: string): Promise<void> {
  await db().$executeRaw`delete from public.auth_login_throttle where email_hash = ${emailHash(email)}`
}

/** Neither right nor wrong (the auth service was down, the email unconfirmed): not a failure. */
export async function attemptVoid(email: string): Promise<void> {
  await db().$executeRaw`select public.auth_attempt_refund(${emailHash(email)})`
}

const MESSAGES: Record<ThrottleRefusal['scope'], string> = {
  email: 'Too many failed sign-in attempts.',
  ip: 'Too many sign-in attempts from your network.',
  global: 'Sign-in is busy right now.',
}

/** One sentence for a refusal: who refused and how long to wait. */
export function refusalMessage({ scope, retryAfterSeconds: s }: ThrottleRefusal): string {
  const wait = s < 60 ? `${s} second${s === 1 ? '' : 's'}` : `${Math.ceil(s / 60)} minute${Math.ceil(s / 60) === 1 ? '' : 's'}`
  return `${MESSAGES[scope]} Try again in ${wait}.`
}
