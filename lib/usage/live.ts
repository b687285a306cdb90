import 'server-only'
import pg from 'pg'
import { env, requireDatabaseUrl } from '@/lib/env'

// One LISTEN connection per app process, shared by every open Usage tab it serves.
//
// The database sends NOTIFY tollgate_usage '<user id>' when a user's usage row commits
// (supabase/migrations/20241115_live_usage_events.sql), whichever instance served the call.
// This hub hears it and tells that user's subscribers, and no one else's. The connection is
// opened with the first subscriber and closed with the last, so an idle server holds none.
// When it drops (a database restart, a failover) the hub reconnects with backoff and then
// tells every subscriber to re-read, since notifications sent while it was away are lost.

export const USAGE_CHANNEL = 'tollgate_usage'
/** application_name of the LISTEN connection, so operators (and tests) can find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'tollgate:usage-events'

type Listener = () => void

const MAX_BACKOFF_MS = 5_000
// A connection can die without a word (a half-open TCP link): a cheap query on this cadence
// finds out, and the reconnect path takes over.
const PROBE_MS = 15_000

class UsageEventHub {
  constructor(
    private readonly channel: string = USAGE_CHANNEL,
    private readonly applicationName: string = LISTENER_APPLICATION_NAME,
  ) {}

  private readonly listeners = new Map<string, Set<Listener>>()
  private readonly lostListeners = new Set<() => void>()
  private client: pg.Client | null = null
  private connecting = false
  private backoffMs = 250
  private retryTimer: NodeJS.Timeout | undefined
  private probeTimer: NodeJS.Timeout | undefined
  /** Set once a connection was lost: the next successful LISTEN asks everyone to re-read. */
  private missed = false

  /**
   * Calls `listener` whenever `userId`'s usage changes; returns the unsubscribe function
   * (idempotent). `onLost`: called when the connection drops (notices may be missed until it is back).
   */
  subscribe(userId: string, listener: Listener, onLost?: () => void): () => void {
    let set = this.listeners.get(userId)
    if (!set) this.listeners.set(userId, (set = new Set()))
    set.add(listener)
    if (onLost) this.lostListeners.add(onLost)
    this.ensureConnected()
    let done = false
    return () => {
      if (done) return
      done = true
      if (onLost) this.lostListeners.delete(onLost)
      set.delete(listener)
      if (set.size === 0 && this.listeners.get(userId) === set) this.listeners.delete(userId)
      if (this.listeners.size === 0) this.shutdown()
    }
  }

  /** Whether the LISTEN connection is up (notices sent now will be heard). */
  listening(): boolean {
    return this.client !== null
  }

  /** Open subscriptions in this process (for health and tests of cleanup). */
  subscriberCount(): number {
    let n = 0
    for (const set of this.listeners.values()) n += set.size
    return n
  }

  private emit(userId: string): void {
    for (const listener of this.listeners.get(userId) ?? []) listener()
  }

  private emitAll(): void {
    for (const set of this.listeners.values()) for (const listener of set) listener()
  }

  private ensureConnected(): void {
    if (this.client || this.connecting || this.retryTimer) return
    void this.connect()
  }

  private async connect(): Promise<void> {
    this.connecting = true
    let client: pg.Client | undefined
    try {
      // A session connection (LISTEN does not pass a transaction pooler).
      const opened = new pg.Client({ connectionString: env.DATABASE_DIRECT_URL ?? requireDatabaseUrl(), application_name: this.applicationName, keepAlive: true })
      client = opened
      opened.on('notification', (message) => {
        if (message.channel === this.channel && message.payload) this.emit(message.payload)
      })
      // 'error' then 'end' on a lost connection; handled once, by whichever comes first.
      opened.on('error', (error) => this.lost(opened, error.message))
      opened.on('end', () => this.lost(opened, 'connection ended'))
      await opened.connect()
      await opened.query(`listen ${this.channel}`)
    } catch (error) {
      this.connecting = false
      client?.end().catch(() => {})
      this.missed = true
      this.scheduleRetry(`could not listen: ${(error as Error).message}`)
      return
    }
    this.connecting = false
    if (this.listeners.size === 0) {
      // Everyone left while this connection was being opened.
      client.end().catch(() => {})
      return
    }
    this.client = client
    this.backoffMs = 250
    this.probeTimer = setInterval(() => {
      client.query('select 1').catch((error: Error) => this.lost(client, `probe failed: ${error.message}`))
    }, PROBE_MS)
    this.probeTimer.unref()
    if (this.missed) {
      this.missed = false
      console.info(`[${this.applicationName}] listening again; subscribers catch up`)
      this.emitAll()
    }
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.client !== client) return
    this.client = null
    clearInterval(this.probeTimer)
    client.end().catch(() => {})
    this.missed = true
    for (const onLost of this.lostListeners) onLost()
    this.scheduleRetry(`connection lost: ${reason}`)
  }

  private scheduleRetry(reason: string): void {
    if (this.listeners.size === 0 || this.retryTimer) return
    console.error(`[${this.applicationName}] ${reason}; retrying in ${this.backoffMs} ms`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.listeners.size > 0) void this.connect()
    }, this.backoffMs)
    this.retryTimer.unref()
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS)
  }

  private shutdown(): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    clearInterval(this.probeTimer)
    const client = this.client
    this.client = null
    this.missed = false
    client?.end().catch(() => {})
  }
}

// One hub per process, kept on globalThis so development reloads do not open a second connection.
const cache = globalThis as unknown as { tollgateUsageHub?: UsageEventHub; tollgateTermsHub?: UsageEventHub }

/** The process-wide hub. */
export function usageEvents(): UsageEventHub {
  cache.tollgateUsageHub ??= new UsageEventHub()
  return cache.tollgateUsageHub
}

/**
 * The process-wide hub of changed terms: NOTIFY tollgate_terms '<user id>' when a user's plan,
 * limits, status, period, rates or keys change, or 'service:<key id>' when a service key is
 * revoked (20241202_quota_leases.sql). Quota leases listen here (lib/gateway/lease.ts).
 */
export function termsEvents(): UsageEventHub {
  cache.tollgateTermsHub ??= new UsageEventHub('tollgate_terms', 'tollgate:terms-events')
  return cache.tollgateTermsHub
}
