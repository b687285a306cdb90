import 'server-only'
import { randomUUID } from 'node:crypto'
import { after } from 'next/server'
import { env } from '@/lib/env'
import { extractIPAddress, extractUserAgent } from '@/lib/gateway/client-info'
import type { z } from 'zod'
import { admitCall, budgetRoom, countRefusalWithRate, rateHeaders, type Admission } from '@/lib/gateway/admission'
import { BODY_LIMITS, readJsonObject, validate } from '@/lib/http/body'
import { AppError, errorBody, errorResponse, logFailure as logAs, toAppError } from '@/lib/errors'
import { authenticate, confirmIdentity, type Identity } from '@/lib/gateway/identity'
import { trackAPIUsage } from '@/lib/metering/record'
import { buildUsageRow, ZERO_COST, type CallContext, type Outcome } from '@/lib/metering/row'
import type { Attempt } from '@/lib/gateway/fallback'
import { routeModel, type Route, type TextRoute } from '@/lib/gateway/routing'
import { hasQuotaColumns, type ServiceType } from '@/lib/services'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import type { PriceOverride } from '@/lib/pricing/types'
import { sanitizePayload, storable } from '@/lib/gateway/sanitize'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** One gateway call in progress: who, when, from where, and its single usage row. */
export class GatewayCall {
  readonly requestId = newRequestId()
  readonly startedAt = performance.now()
  /** When the call arrived: its row's time, even when it is written late (retries, spool). */
  readonly receivedAt = new Date()
  readonly ip: string | null
  readonly userAgent: string | null
  /** The call's campaign, once admission has checked it is the caller's and not archived. */
  campaignId: string | null = null
  /** The campaign the caller asked for (a well-formed UUID), checked in the admission round trip. */
  private requestedCampaign: string | null = null
  /** What is known of the request so far, for the row of a call that fails early. */
  model = 'unknown'
  provider = 'gateway'
  requestPayload: unknown = null
  /** The JSON body's length in UTF-16 units (null: not a JSON body): bounds the prompt's tokens without counting them. */
  bodyChars: number | null = null
  /** Headers every answer to this call carries once it has been admitted or refused (rate limits). */
  readonly responseHeaders: Record<string, string> = {}
  private recorded = false
  /** Set once admission has taken this call's hold (and, for an API key, re-checked the key). */
  admitted = false
  /** What the call took of this process's quota lease, when it was admitted from one (its row gives it back). */
  private leaseTake: Admission['leaseTake']
  private markSettled!: () => void
  /** Metadata for the row of a call that fails after trying fallbacks: the attempts. */
  private failureMetadata: Record<string, unknown> | undefined
  /** Resolves once this call's row has been written (or spooled). */
  readonly settled = new Promise<void>((resolve) => (this.markSettled = resolve))

  constructor(
    readonly request: Request,
    readonly identity: Identity,
    readonly service: ServiceType,
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

  /**
   * The campaign from the body or the x-campaign-id header. Only its form is checked here;
   * whether it is one of the caller's (and not archived) is checked by admission, in the same
   * round trip, so a tagged call costs no query of its own.
   */
  private readCampaign(fromBody: unknown): void {
    const value = fromBody ?? this.request.headers.get('x-campaign-id') ?? undefined
    if (value === undefined || value === null || value === '') return
    if (typeof value !== 'string' || !UUID.test(value)) throw new AppError('invalid_request', 'campaign must be a campaign id (UUID)', { param: 'campaign' })
    this.requestedCampaign = value
  }

  /**
   * The opening every metered handler shares: read the JSON body (remembering model and a
   * sanitized copy for the row, even if validation then fails), validate it, read the
   * campaign, and decide who serves the model: the route carries the model's catalog entry,
   * which the estimate and the pricing reuse (the one catalog lookup of the call). The seed's
   * four services are routed by routeModel; other services (embeddings, audio…) bring their own
   * `router`.
   */
  async open<S extends z.ZodType<{ model: string; campaign?: string }>>(
    schema: S,
    defaultModel: string,
    router?: Router,
    /** The body cap: the gateway's, or a larger one an endpoint justifies (embeddings). */
    maxBytes: number = BODY_LIMITS.gateway,
  ): Promise<{ input: z.infer<S>; route: Route; overrides: PriceOverride[] }> {
    const size: { chars?: number } = {}
    const body = await readJsonObject(this.request, maxBytes, size)
    this.bodyChars = size.chars ?? null
    return this.openFields(body, schema, defaultModel, router)
  }

  /**
   * open() for a body already read (a multipart upload, lib/gateway/audio.ts): `raw` is what the
   * row may keep of it (no file bytes).
   */
  async openFields<S extends z.ZodType<{ model: string; campaign?: string }>>(raw: Record<string, unknown>, schema: S, defaultModel: string, router?: Router): Promise<{ input: z.infer<S>; route: Route; overrides: PriceOverride[] }> {
    // Made storable: the model of a refused call is still written to its row, and a NUL or a
    // lone surrogate in it made PostgreSQL refuse the row on every retry (the call went unbooked).
    this.model = typeof raw.model === 'string' && raw.model ? storable(raw.model.slice(0, 200)) : defaultModel
    this.requestPayload = this.sanitize(raw)
    const input = validate(schema, raw)
    this.readCampaign(input.campaign)
    const overrides = await listPriceOverrides()
    const service = this.service
    const route = router ? router(input.model, overrides) : hasQuotaColumns(service) ? routeModel(service, input.model, overrides) : noRouter(service)
    this.provider = route.servedBy
    // The row names the model as served (`GPT-4o`, `openai/gpt-4o` and `gpt-4o` are one model).
    if (route.kind === 'text') this.model = storable(route.upstreamModel.slice(0, 200))
    this.responseHeaders['x-tollgate-provider'] = route.servedBy
    return { input, route, overrides }
  }

  /**
   * Admission: one database call checks rate, quota and budget and takes a hold, or refuses
   * with 429. Must run before anything is sent upstream. `shrink`, for a call whose size the
   * gateway chooses: when a hard budget refuses `estimatedCost`, it gets the room left in the
   * budget and may answer a smaller estimate that fits; admission is then asked once more.
   * `tokens`: the most tokens (input + output) the call may use, booked against the
   * tokens-per-minute limit (settlement corrects it to the actual count); read again after a
   * shrink. Calls without tokens leave it 0. Either may be a function: it is only called when
   * admission needs the number (a lease under no budget and no token rate does not).
   */
  async admit(
    units: number,
    estimatedCost: string | null | (() => string | null),
    shrink?: (room: string) => string | null,
    tokens: number | (() => number) = 0,
    /** A cheap bound on `tokens` (never less): booked instead when a lease has room for it, so the prompt is not counted. */
    tokensAtMost?: () => number,
  ): Promise<void> {
    const admitWith = (cost: string | null | (() => string | null)) =>
      admitCall({
        userId: this.identity.userId,
        apiKeyId: this.identity.apiKeyId,
        credential: this.identity.apiKeyId ?? (this.identity.serviceKeyId ? `service:${this.identity.serviceKeyId}` : 'session'),
        service: this.service,
        units,
        estimatedCost: cost,
        requestId: this.requestId,
        upgradeUrl: new URL('/settings/account', this.request.url).toString(),
        campaignId: this.requestedCampaign,
        tokens,
        tokensAtMost,
      })
    try {
      const admission = await admitWith(estimatedCost).catch((error: unknown) => {
        const room = shrink ? budgetRoom(error) : null
        const smaller = room === null ? null : shrink!(room)
        if (smaller === null) throw error
        return admitWith(smaller)
      })
      this.admitted = true
      this.leaseTake = admission.leaseTake
      this.campaignId = this.requestedCampaign
      Object.assign(this.responseHeaders, rateHeaders(admission))
    } catch (error) {
      if (error instanceof AppError) {
        // Admission checks the campaign before the rate and the limits: a call refused for
        // those still books its row under its (valid) campaign.
        if (error.code === 'rate_limited' || error.code === 'usage_limit_exceeded') this.campaignId = this.requestedCampaign
        Object.assign(this.responseHeaders, error.headers)
      }
      throw error
    }
  }

  /** What the row builder needs to know about this call besides its outcome. */
  private context(): CallContext {
    return {
      userId: this.identity.userId,
      service: this.service,
      endpoint: this.endpoint,
      requestId: this.requestId,
      campaignId: this.campaignId,
      ip: this.ip,
      userAgent: this.userAgent,
      requestPayload: this.requestPayload,
      auth: this.identity.via,
      apiKeyId: this.identity.apiKeyId,
      serviceKeyId: this.identity.serviceKeyId ?? null,
      at: this.receivedAt,
      latencyMs: this.elapsedMs(),
      lease: this.leaseTake,
    }
  }

  /**
   * Records this call's one usage row. `whenSent` (the default) defers the write until the
   * response has been sent; streams, which end long after, record as they close.
   */
  record(outcome: Outcome, timing: 'whenSent' | 'now' = 'whenSent'): void {
    if (this.recorded) throw new Error(`usage for ${this.requestId} recorded twice`)
    this.recorded = true
    this.sayCost(outcome.total_cost, outcome.cost_status)
    const row = buildUsageRow(this.context(), outcome)
    if (timing === 'now') void trackAPIUsage(row).finally(this.markSettled)
    else after(() => trackAPIUsage(row).finally(this.markSettled))
  }

  /**
   * The cost travels with the answer: `x-tollgate-cost` (USD, decimal string; absent when the
   * call could not be priced) and `x-tollgate-cost-status`. A stream's headers leave before its
   * cost is known: it says `pending` and sends the cost at its end (chat.ts).
   */
  sayCost(totalCost: string | null, status: string): void {
    if (totalCost === null) delete this.responseHeaders['x-tollgate-cost']
    else this.responseHeaders['x-tollgate-cost'] = totalCost
    this.responseHeaders['x-tollgate-cost-status'] = status
  }

  /** The route that answered (a fallback, maybe): named on the row and in x-tollgate-provider. */
  servedBy(route: TextRoute, attempts: readonly Attempt[]): void {
    this.provider = route.servedBy
    this.model = storable(route.upstreamModel.slice(0, 200))
    this.responseHeaders['x-tollgate-provider'] = route.servedBy
    if (attempts.length) this.responseHeaders['x-tollgate-fallback-attempts'] = String(attempts.length)
  }

  /** Fallbacks tried before a failure that ends the call: kept for its row. */
  noteAttempts(attempts: readonly Attempt[]): void {
    if (attempts.length) this.failureMetadata = { attempts }
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
      error_code: error.code,
      // Sanitized like any payload: the message may quote the caller's input (an unknown model
      // name) or a vendor's error may quote the prompt back.
      response_payload: this.sanitize(errorBody(error)),
      ...(this.failureMetadata ? { metadata: this.failureMetadata } : {}),
    })
  }
}

/** Who serves a model of a service routeModel does not know (embeddings, audio…). */
export type Router = (model: string, overrides: readonly PriceOverride[]) => Route

function noRouter(service: ServiceType): never {
  throw new Error(`${service} calls need a router of their own (GatewayCall.open)`)
}

const logFailure = (error: AppError, thrown: unknown, what: string) => logAs('gateway', error, thrown, what)

/**
 * A caller's call refused before admission still spends one request of its rate (see
 * countRefusalWithRate); past the rate, the answer is the rate limit's 429 instead of the
 * refusal. Either way the answer carries the rate headers. Only the caller's own mistakes and
 * limits count: not our outages, not a revoked key.
 */
async function refusalOrRateLimit(call: GatewayCall, error: AppError): Promise<AppError> {
  const callersFault = error.status >= 400 && error.status < 500 && error.code !== 'invalid_api_key' && error.code !== 'rate_limited'
  if (!callersFault) return error
  try {
    const { limited, headers } = await countRefusalWithRate(call.identity.userId, call.service)
    Object.assign(call.responseHeaders, headers, limited?.headers)
    return limited ?? error
  } catch (thrown) {
    // The refusal stands on its own; failing to count it must not turn a 400 into a 503.
    logFailure(toAppError(thrown), thrown, `${call.requestId} refusal count`)
    return error
  }
}

/** A request id for an answer that has no call (a refused credential): every answer carries one. */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`
}

/** How an edge says an error: OpenAI's shape (the default), or another protocol's (Anthropic's on /api/v1/messages). */
export type ErrorRenderer = (error: AppError, headers?: Record<string, string>) => Response

/**
 * A gateway route: authenticate, run `handle`, and make sure the call leaves exactly one usage
 * row and answers in OpenAI's error shape (or `renderError`'s) whatever happens.
 * Unauthenticated calls are refused without a row (there is nobody to record them against).
 */
export function gatewayRoute<P>(service: ServiceType, endpoint: string, handle: (call: GatewayCall, params: P) => Promise<Response>, renderError: ErrorRenderer = errorResponse) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    let identity: Identity
    try {
      identity = await authenticate(request, { verifiedLater: true })
    } catch (thrown) {
      const error = toAppError(thrown)
      logFailure(error, thrown, 'authentication')
      // No user: no rate to tell, and no usage row. The id still lets the caller quote this
      // answer to support; an outage says it struck before the key was known (so no row).
      const answer = error.code === 'database_unavailable' ? new AppError('database_unavailable', `${error.message.replace(/; nothing was forwarded.*$/, '')}, so the API key could not be checked; nothing was forwarded or charged. Retry shortly.`, { headers: error.headers }) : error
      return renderError(answer, { 'x-request-id': newRequestId() })
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
          if (refused.code === 'invalid_api_key') return renderError(refused, { 'x-request-id': call.requestId })
        }
      }
      const answer = call.admitted ? error : await refusalOrRateLimit(call, error)
      call.recordFailure(answer)
      return renderError(answer, { ...call.responseHeaders, 'x-request-id': call.requestId })
    }
  }
}
