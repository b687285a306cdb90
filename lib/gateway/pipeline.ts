import 'server-only'
import { randomUUID } from 'node:crypto'
import { after } from 'next/server'
import { db } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import { extractIPAddress, extractUserAgent } from '@/lib/gateway/client-info'
import type { z } from 'zod'
import { admitCall, budgetRoom, countRefusal, rateHeaders } from '@/lib/gateway/admission'
import { BODY_LIMITS, readJsonObject, validate } from '@/lib/http/body'
import { ZERO_COST } from '@/lib/gateway/cost'
import { AppError, errorBody, errorResponse, logFailure as logAs, toAppError } from '@/lib/errors'
import { authenticate, confirmIdentity, type Identity } from '@/lib/gateway/identity'
import { trackAPIUsage, type UsageRecord } from '@/lib/gateway/record'
import { routeModel, type Route, type Service } from '@/lib/gateway/routing'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import type { PriceOverride } from '@/lib/pricing/types'
import { sanitizePayload, storable } from '@/lib/gateway/sanitize'

type Outcome = Omit<UsageRecord, 'user_id' | 'service_type' | 'endpoint' | 'request_id' | 'ip_address' | 'user_agent' | 'campaign_id'>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** One gateway call in progress: who, when, from where, and its single usage row. */
export class GatewayCall {
  readonly requestId = `req_${randomUUID().replaceAll('-', '')}`
  readonly startedAt = performance.now()
  /** When the call arrived: its row's time, even when it is written late (retries, spool). */
  readonly receivedAt = new Date()
  readonly ip: string | null
  readonly userAgent: string | null
  campaignId: string | null = null
  /** What is known of the request so far, for the row of a call that fails early. */
  model = 'unknown'
  provider = 'gateway'
  requestPayload: unknown = null
  /** Headers every answer to this call carries once it has been admitted or refused (rate limits). */
  readonly responseHeaders: Record<string, string> = {}
  private recorded = false
  /** Set once admission has taken this call's hold (and, for an API key, re-checked the key). */
  admitted = false
  private markSettled!: () => void
  /** Resolves once this call's row has been written (or spooled). */
  readonly settled = new Promise<void>((resolve) => (this.markSettled = resolve))

  constructor(
    readonly request: Request,
    readonly identity: Identity,
    readonly service: Service,
    readonly endpoint: string,
  ) {
    this.ip = extractIPAddress(request)
    this.userAgent = extractUserAgent(request)
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt)
  }

  sanitize(value: unknown): unknown {
    return sanitizePayload(value, { maxChars: env.USAGE_PAYLOAD_MAX_CHARS, maxBytes: env.USAGE_PAYLOAD_MAX_BYTES })
  }

  /** The campaign from the body or the x-campaign-id header; it must be one of the caller's. */
  async resolveCampaign(fromBody: unknown): Promise<void> {
    const value = fromBody ?? this.request.headers.get('x-campaign-id') ?? undefined
    if (value === undefined || value === null || value === '') return
    if (typeof value !== 'string' || !UUID.test(value)) throw new AppError('invalid_request', 'campaign must be a campaign id (UUID)', { param: 'campaign' })
    const found = await db().campaign.findFirst({ where: { id: value, userId: this.identity.userId }, select: { status: true } })
    if (!found) throw new AppError('invalid_request', `Unknown campaign ${value}`, { param: 'campaign' })
    if (found.status === 'archived') throw new AppError('invalid_request', `Campaign ${value} is archived`, { param: 'campaign' })
    this.campaignId = value
  }

  /**
   * The opening every metered handler shares: read the JSON body (remembering model and a
   * sanitized copy for the row, even if validation then fails), validate it, check the
   * campaign, and decide who serves the model.
   */
  async open<S extends z.ZodType<{ model: string; campaign?: string }>>(schema: S, defaultModel: string): Promise<{ input: z.infer<S>; route: Route; overrides: PriceOverride[] }> {
    const raw = await readJsonObject(this.request, BODY_LIMITS.gateway)
    // Made storable: the model of a refused call is still written to its row, and a NUL or a
    // lone surrogate in it made PostgreSQL refuse the row on every retry (the call went unbooked).
    this.model = typeof raw.model === 'string' && raw.model ? storable(raw.model.slice(0, 200)) : defaultModel
    this.requestPayload = this.sanitize(raw)
    const input = validate(schema, raw)
    await this.resolveCampaign(input.campaign)
    const overrides = await listPriceOverrides()
    const route = routeModel(this.service, input.model, overrides)
    this.provider = route.servedBy
    return { input, route, overrides }
  }

  /**
   * Admission: one database call checks rate, quota and budget and takes a hold, or refuses
   * with 429. Must run before anything is sent upstream. `shrink`, for a call whose size the
   * gateway chooses: when a hard budget refuses `estimatedCost`, it gets the room left in the
   * budget and may answer a smaller estimate that fits; admission is then asked once more.
   */
  async admit(units: number, estimatedCost: string | null, shrink?: (room: string) => string | null): Promise<void> {
    const admitWith = (cost: string | null) =>
      admitCall({
        userId: this.identity.userId,
        apiKeyId: this.identity.apiKeyId,
        service: this.service,
        units,
        estimatedCost: cost,
        requestId: this.requestId,
        upgradeUrl: new URL('/settings/account', this.request.url).toString(),
      })
    try {
      const admission = await admitWith(estimatedCost).catch((error: unknown) => {
        const room = shrink ? budgetRoom(error) : null
        const smaller = room === null ? null : shrink!(room)
        if (smaller === null) throw error
        return admitWith(smaller)
      })
      this.admitted = true
      Object.assign(this.responseHeaders, rateHeaders(admission))
    } catch (error) {
      if (error instanceof AppError) Object.assign(this.responseHeaders, error.headers)
      throw error
    }
  }

  /** The complete usage row of this call. */
  row(outcome: Outcome): UsageRecord {
    return {
      user_id: this.identity.userId,
      service_type: this.service === 'content' ? 'content' : this.service,
      endpoint: this.endpoint,
      request_id: this.requestId,
      campaign_id: this.campaignId,
      ip_address: this.ip,
      user_agent: this.userAgent,
      latency_ms: this.elapsedMs(),
      request_payload: this.requestPayload,
      created_at: this.receivedAt.toISOString(),
      ...outcome,
      metadata: { auth: this.identity.via, ...(this.identity.apiKeyId ? { api_key_id: this.identity.apiKeyId } : {}), ...outcome.metadata },
    }
  }

  /**
   * Records this call's one usage row. `whenSent` (the default) defers the write until the
   * response has been sent; streams, which end long after, record as they close.
   */
  record(outcome: Outcome, timing: 'whenSent' | 'now' = 'whenSent'): void {
    if (this.recorded) throw new Error(`usage for ${this.requestId} recorded twice`)
    this.recorded = true
    const row = this.row(outcome)
    if (timing === 'now') void trackAPIUsage(row).finally(this.markSettled)
    else after(() => trackAPIUsage(row).finally(this.markSettled))
  }

  /**
   * For a response that records its row later (a stream, as it closes): registered while the
   * request is still being handled, so a graceful shutdown (SIGTERM) waits for that row too.
   */
  holdShutdownUntilRecorded(): void {
    after(this.settled)
  }

  get isRecorded(): boolean {
    return this.recorded
  }

  /** The row of a call that ended in an error before (or instead of) a normal outcome. */
  recordFailure(error: AppError): void {
    // A key refused at admission (revoked meanwhile): nobody is entitled to a row.
    if (this.recorded || error.code === 'invalid_api_key') return
    // A call refused for its rate was not looked at: its body explains nothing, and keeping it
    // would let a flood of refused calls fill the ledger with payloads.
    if (error.code === 'rate_limited') this.requestPayload = null
    this.record({
      provider: this.provider,
      model: this.model,
      ...ZERO_COST,
      status: error.code === 'client_closed_request' ? 'client_aborted' : error.code === 'rate_limited' ? 'rate_limited' : error.code === 'usage_limit_exceeded' ? 'limit_exceeded' : 'error',
      error_code: error.code,
      // Sanitized like any payload: the message may quote the caller's input (an unknown model
      // name) or a vendor's error may quote the prompt back.
      response_payload: this.sanitize(errorBody(error)),
    })
  }
}

const logFailure = (error: AppError, thrown: unknown, what: string) => logAs('gateway', error, thrown, what)

/**
 * A caller's call refused before admission still spends one request of its rate (see
 * countRefusal); past the rate, the answer is the rate limit's 429 instead of the refusal.
 * Only the caller's own mistakes and limits count: not our outages, not a revoked key.
 */
async function refusalOrRateLimit(call: GatewayCall, error: AppError): Promise<AppError> {
  const callersFault = error.status >= 400 && error.status < 500 && error.code !== 'invalid_api_key' && error.code !== 'rate_limited'
  if (!callersFault) return error
  try {
    return (await countRefusal(call.identity.userId, call.service)) ?? error
  } catch (thrown) {
    // The refusal stands on its own; failing to count it must not turn a 400 into a 503.
    logFailure(toAppError(thrown), thrown, `${call.requestId} refusal count`)
    return error
  }
}

/**
 * A gateway route: authenticate, run `handle`, and make sure the call leaves exactly one usage
 * row and answers in OpenAI's error shape whatever happens. Unauthenticated calls are refused
 * without a row (there is nobody to record them against).
 */
export function gatewayRoute<P>(service: Service, endpoint: string, handle: (call: GatewayCall, params: P) => Promise<Response>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    let identity: Identity
    try {
      identity = await authenticate(request, { verifiedLater: true })
    } catch (thrown) {
      const error = toAppError(thrown)
      logFailure(error, thrown, 'authentication')
      return errorResponse(error)
    }
    const call = new GatewayCall(request, identity, service, endpoint)
    try {
      const response = await handle(call, await context.params)
      for (const [name, value] of Object.entries({ ...call.responseHeaders, 'x-request-id': call.requestId })) response.headers.set(name, value)
      return response
    } catch (thrown) {
      const error = toAppError(thrown)
      logFailure(error, thrown, call.requestId)
      // A cached key that failed before admission has not been re-checked yet: do it now, so a
      // revoked key gets its 401 and leaves no row.
      if (!call.admitted && identity.fromCache && error.code !== 'invalid_api_key') {
        try {
          await confirmIdentity(request, identity)
        } catch (thrownAgain) {
          const refused = toAppError(thrownAgain)
          if (refused.code === 'invalid_api_key') return errorResponse(refused)
        }
      }
      const answer = call.admitted ? error : await refusalOrRateLimit(call, error)
      call.recordFailure(answer)
      return errorResponse(answer, { ...call.responseHeaders, 'x-request-id': call.requestId })
    }
  }
}
