import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import type { Admission, RateState } from '@/lib/gateway/admission'
import { formatUsd, parseUsd } from '@/lib/pricing/money'
import type { ServiceType } from '@/lib/services'
import { termsEvents } from '@/lib/usage/live'

// Quota leases, the instance's side (the database's: 20241202_quota_leases.sql). When admission
// finds a user far from every limit, it reserves a slice of what is left for this process:
// room for n more calls like the one admitted. Until the lease ends (QUOTA_LEASE_MS), calls of
// that user, service and credential are admitted here, from the slice, with no round trip;
// each call's row says what it took, and settlement gives that back to the lease's hold row.
// A call the slice cannot cover (too dear, a campaign not seen yet, the lease used up or over)
// is admitted in the database as before — and refusals always come from there, so their
// messages and headers are the database's.
//
// What a lease did not use goes back when it ends, when it is replaced, at shutdown, and when
// the user's terms change or a key is revoked: the database says so to every instance
// (NOTIFY tollgate_terms, heard through termsEvents()), and the revoking process also ends its
// own at once. Should that notice be lost (the listening connection down), a lease still ends
// within QUOTA_LEASE_MS.

/** What gateway_lease grants (in Admission.lease). */
export type LeaseGrant = { id: string; calls: number; units: number; cost: string | null; tokens: number; seconds: number }

/** What a call took of a lease: travels on its usage row, for settlement to give back. */
export type LeaseTake = { id: string; units: number; cost: string; tokens: number }

type Lease = {
  id: string
  key: string
  userId: string
  service: ServiceType
  /** Date.now() after which it admits nothing more. */
  until: number
  grantedAt: number
  size: number
  requests: number
  units: number
  /** Budget left in the slice; null: no budget binds (the call's estimate is not held). */
  cost: bigint | null
  tokens: number
  /** The rate state the granting call was answered with; local answers count down from it. */
  rate: RateState
  requestsTaken: number
  tokensTaken: number
  admission: Admission
  /** Stops listening for this user's (and service key's) changed terms. */
  unlisten: () => void
}

type Leases = {
  byKey: Map<string, Lease>
  /** When each key was last admitted by the database: a lease is asked only for a caller seen recently. */
  lastAsked: Map<string, number>
  /** Leases that could not be given back (the database away): tried again by the sweep. */
  unreturned: Set<Lease>
  /**
   * Keys with a lease being asked for, and the answer's arrival: one ask at a time (a burst of
   * calls would each take a slice and replace the last), and the calls meanwhile wait for it.
   */
  asking: Map<string, { answered: Promise<void>; answer: () => void }>
  /** Keys whose last ask was granted no slice (near a limit): their calls do not wait for the next ask. */
  ungranted: Set<string>
  sizes: Map<string, number>
  campaigns: Map<string, number>
  closed: boolean
  sweeper?: NodeJS.Timeout
  /** Keeps the terms listener connected from the first lease on, so leases coming and going do not reopen it. */
  anchor?: () => void
}
// On globalThis: every route bundle of the process must share one set of leases.
const store = globalThis as typeof globalThis & { __tollgateLeases?: Leases }
const leases: Leases = (store.__tollgateLeases ??= { byKey: new Map(), lastAsked: new Map(), unreturned: new Set(), asking: new Map(), ungranted: new Set(), sizes: new Map(), campaigns: new Map(), closed: false })

// Leases past their time are ended (and given back) by one sweep per process, not a timer each.
const SWEEP_MS = 250
leases.sweeper ??= setInterval(() => {
  const now = Date.now()
  for (const lease of [...leases.byKey.values()]) if (now >= lease.until) end(lease)
  for (const [key, until] of leases.campaigns) if (until < now) leases.campaigns.delete(key)
  for (const [key, at] of leases.lastAsked) {
    if (now - at <= 60_000) continue
    leases.lastAsked.delete(key)
    leases.ungranted.delete(key)
  }
  for (const lease of [...leases.unreturned]) {
    leases.unreturned.delete(lease)
    void giveBack(lease)
  }
}, SWEEP_MS).unref()

/** The smallest slice the database grants (see 20241202_quota_leases.sql), and the first asked. */
const FIRST_SIZE = 16
const MAX_SIZE = 256
const CAMPAIGN_MS = 30_000

/** A call to admit. The estimate and tokens may be functions: called only when the lease's budget or token rate binds. */
export type LeaseInput = {
  userId: string
  service: ServiceType
  credential: string
  units: number
  estimatedCost: string | null | (() => string | null)
  tokens: number | (() => number)
  /** A cheap bound on the tokens (never less): taken instead when the lease has room for it. */
  tokensAtMost?: () => number
  campaignId: string | null
}

const value = <T>(v: T | (() => T)): T => (typeof v === 'function' ? (v as () => T)() : v)

const keyOf = (input: { userId: string; service: ServiceType; credential: string }) => `${input.userId}|${input.service}|${input.credential}`

/**
 * How many calls the next lease of this key should ask for: none for a caller the database has
 * not admitted within QUOTA_LEASE_MS (one call now and then needs no slice, and holds none);
 * more when the last one ran out early.
 */
export function leaseCallsWanted(input: LeaseInput): number {
  // Not for video jobs: each is held for hours until a poll finds it ended, and they come few
  // and dear; a slice of them would sit reserved long after the lease.
  if (env.QUOTA_LEASE_MS === 0 || leases.closed || input.service === 'video') return 0
  const hearing = listening() // (opens the listener on the first call, ready for the next)
  const key = keyOf(input)
  const now = Date.now()
  const last = leases.lastAsked.get(key)
  leases.lastAsked.set(key, now)
  if (last === undefined || now - last > env.QUOTA_LEASE_MS || !hearing || leases.asking.has(key)) return 0
  let answer = () => {}
  const answered = new Promise<void>((resolve) => (answer = resolve))
  leases.asking.set(key, { answered, answer })
  return leases.sizes.get(key) ?? FIRST_SIZE
}

/**
 * The call that asked for a lease (leaseCallsWanted > 0) is done with the database: its lease, if
 * granted, is kept. The calls that waited try it; the next may ask.
 */
export function leaseAnswered(input: Pick<LeaseInput, 'userId' | 'service' | 'credential'>): void {
  const key = keyOf(input)
  if (leases.byKey.has(key)) leases.ungranted.delete(key)
  else leases.ungranted.add(key)
  leases.asking.get(key)?.answer()
  leases.asking.delete(key)
}

/**
 * While another call of this key is asking the database for a lease: its answer's arrival.
 * Waiting for it costs the caller no more than its own round trip would, and spares the
 * database a round trip per call each time a busy key's lease runs out.
 */
export function leaseBeingAsked(input: Pick<LeaseInput, 'userId' | 'service' | 'credential'>): Promise<void> | undefined {
  const key = keyOf(input)
  // Near a limit the database grants none: every call takes its own place under the lock at once.
  return leases.ungranted.has(key) ? undefined : leases.asking.get(key)?.answered
}

/**
 * Admits a call from this process's lease, or answers null (ask the database). Synchronous:
 * nothing else runs between the check and the take.
 */
export function admitFromLease(input: LeaseInput): { admission: Admission; take: LeaseTake } | null {
  const lease = leases.byKey.get(keyOf(input))
  if (!lease) return null
  // Only while this process hears changed terms: without the listener a change could go unseen.
  if (Date.now() >= lease.until || !listening()) {
    end(lease)
    return null
  }
  if (input.campaignId && (leases.campaigns.get(`${input.userId}|${input.campaignId}`) ?? 0) < Date.now()) return null
  const estimate = lease.cost === null ? null : value(input.estimatedCost)
  const cost = estimate === null ? 0n : parseUsd(estimate)
  const tokensBind = lease.rate.tokens !== null
  // Without a token rate the call's tokens are not booked here: settlement books the actual count.
  // With one, a bound that fits is booked rather than counting the prompt (settlement corrects
  // the window to the actual count either way).
  const bound = tokensBind && input.tokensAtMost ? Math.ceil(input.tokensAtMost()) : Infinity
  const tokens = !tokensBind ? 0 : bound <= lease.tokens ? bound : Math.max(0, Math.ceil(value(input.tokens)))
  if (lease.requests < 1 || lease.units < input.units || (lease.cost !== null && cost > lease.cost) || (tokensBind && tokens > lease.tokens)) {
    // Used up, or this call is bigger than what is left: the database decides, and the next
    // lease of this key is asked bigger.
    if (lease.requests < 1) leases.sizes.set(lease.key, Math.min(MAX_SIZE, lease.size * 2))
    end(lease)
    return null
  }
  const tokensTaken = Math.min(tokens, lease.tokens)
  lease.requests--
  lease.units -= input.units
  if (lease.cost !== null) lease.cost -= cost
  lease.tokens -= tokensTaken
  lease.requestsTaken++
  lease.tokensTaken += tokens
  const elapsed = (Date.now() - lease.grantedAt) / 1000
  const rate: RateState = {
    limit: lease.rate.limit,
    remaining: Math.max(0, lease.rate.remaining - lease.requestsTaken),
    reset_seconds: Math.max(0, lease.rate.reset_seconds - elapsed),
    tokens: lease.rate.tokens && {
      limit: lease.rate.tokens.limit,
      remaining: Math.max(0, lease.rate.tokens.remaining - lease.tokensTaken),
      reset_seconds: Math.max(0, lease.rate.tokens.reset_seconds - elapsed),
    },
  }
  return {
    admission: { ...lease.admission, rate, warnings: [], retry_after_seconds: null },
    take: { id: lease.id, units: input.units, cost: formatUsd(cost), tokens: tokensTaken },
  }
}

/** Keeps the lease the database granted with `admission` (replacing this key's last one). */
export function keepLease(input: LeaseInput, admission: Admission & { lease?: LeaseGrant }): void {
  const grant = admission.lease
  if (input.campaignId) leases.campaigns.set(`${input.userId}|${input.campaignId}`, Date.now() + CAMPAIGN_MS)
  if (!grant || !admission.rate) return
  const key = keyOf(input)
  const old = leases.byKey.get(key)
  if (old) end(old)
  if (leases.closed) return void giveBack(fresh(key, input, admission, grant))
  const lease = fresh(key, input, admission, grant)
  leases.byKey.set(key, lease)
  const hub = termsEvents()
  const stops = [hub.subscribe(input.userId, () => end(lease))]
  if (input.credential.startsWith('service:')) stops.push(hub.subscribe(input.credential, () => end(lease)))
  lease.unlisten = () => stops.forEach((stop) => stop())
}

function fresh(key: string, input: LeaseInput, admission: Admission, grant: LeaseGrant): Lease {
  const lease: Lease = {
    id: grant.id, key, userId: input.userId, service: input.service, grantedAt: Date.now(), until: Date.now() + env.QUOTA_LEASE_MS,
    size: grant.calls, requests: grant.calls, units: grant.units, cost: grant.cost === null ? null : parseUsd(grant.cost), tokens: grant.tokens,
    rate: admission.rate!, requestsTaken: 0, tokensTaken: 0, admission: { ...admission, lease: undefined } as Admission,
    unlisten: () => {},
  }
  return lease
}

/**
 * Whether this process hears changed terms (a lease is granted and used only then). The first
 * ask opens the listener and keeps it open (the anchor), so leases coming and going do not
 * reopen it; when it drops, every lease ends, since notices may be lost until it is back.
 */
function listening(): boolean {
  const hub = termsEvents()
  leases.anchor ??= hub.subscribe('leases', () => {}, () => void endLeases())
  return hub.listening()
}

/** Ends a lease: it admits nothing more, and what it did not use goes back. */
function end(lease: Lease): void {
  if (leases.byKey.get(lease.key) !== lease) return
  leases.byKey.delete(lease.key)
  lease.unlisten()
  // Mostly unused: the next one is asked smaller.
  if (lease.requests > lease.size / 2) leases.sizes.set(lease.key, Math.max(FIRST_SIZE, Math.floor(lease.size / 2)))
  void giveBack(lease)
}

const returning = new Set<Promise<void>>()

function giveBack(lease: Lease): Promise<void> {
  const done = pool()
    .query('select public.gateway_lease_return($1::uuid, $2, $3, $4::int, $5::numeric, $6::bigint, $7::int)', [
      lease.userId, lease.service, lease.id, lease.units, lease.cost === null ? '0' : formatUsd(lease.cost), lease.tokens, lease.requests,
    ])
    .then(() => undefined)
    // Tried again by the sweep (its row would otherwise keep the unused room until it expires).
    .catch((error: unknown) => {
      console.error(`[lease] returning ${lease.id} failed; trying again: ${(error as Error).message}`)
      if (!leases.closed) leases.unreturned.add(lease)
    })
    .finally(() => returning.delete(done))
  returning.add(done)
  return done
}

/** Ends every lease that matches (a revoked key's, a user whose terms changed); all of them without a filter. */
export function endLeases(match: (lease: { userId: string; credential: string }) => boolean = () => true): Promise<void> {
  for (const lease of [...leases.byKey.values()]) if (match({ userId: lease.userId, credential: lease.key.split('|')[2] })) end(lease)
  return Promise.all([...returning]).then(() => undefined)
}

/** Shutdown: no more leases, and the unused parts of all of them given back. */
export function closeLeases(): Promise<void> {
  leases.closed = true
  const done = endLeases()
  leases.anchor?.()
  leases.anchor = undefined
  return done
}

/** Leases held by this process (tests, diagnostics). */
export function heldLeases(): { id: string; userId: string; requests: number }[] {
  return [...leases.byKey.values()].map((l) => ({ id: l.id, userId: l.userId, requests: l.requests }))
}
