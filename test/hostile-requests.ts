// Malformed requests for every public route, invalid by construction: each one carries at
// least one thing its route must refuse (a broken field, body, query value, id or credential),
// so the only right answer is a 4xx with a message. Credentials are placeholders filled in
// when the request is sent.
import fc from 'fast-check'
import { BODY_LIMITS } from '@/lib/http/body'
import {
  anyJson, badDate, deepNesting, edgeNumber, edgeString, headerValue, jsonText, notJson, notNumber, notObject, notString, notStringNorNull,
  notUuid, oversized, pathId, queryString, Raw, rawQueryValue, unknownFields, wrongContentType, type JsonValue,
} from './hostile'

export type Auth = 'key' | 'cookie' | 'none' | 'badKey' | 'badCookie'
export type HostileRequest = { route: string; method: 'GET' | 'POST' | 'DELETE'; path: string; auth: Auth; headers: Record<string, string>; body?: string }

const GATEWAY_MAX = BODY_LIMITS.gateway
const APP_JSON_MAX = BODY_LIMITS.form
const raw = (...texts: string[]) => fc.constantFrom(...texts.map((t) => new Raw(t)))
const long = (min: number) => fc.integer({ min, max: min + 2_000 }).map((n) => 'x'.repeat(n))
const whitespace = fc.constantFrom(' ', '\t\r\n', '\u00a0', '\u2028', '\ufeff', '   \u3000')
const unknownModel = edgeString.map((s) => `fz-${s.slice(0, 80)}`)
/** A field and the value that breaks it; `undefined` removes a required field. */
type Breaker = fc.Arbitrary<[string, JsonValue | undefined]>
const field = (name: string, ...values: fc.Arbitrary<JsonValue | undefined>[]): Breaker => fc.oneof(...values).map((v) => [name, v] as [string, JsonValue | undefined])
const missing = fc.constant(undefined)
// null is allowed where a count is optional, so it is no bad count.
const badCount = (tooBig: string) => fc.oneof(raw('0', '-1', '-0', '1.5', '1e308', '1e309', '-1e309', '9223372036854775808', '1e-400', tooBig), notNumber.filter((v) => v !== null))

/** Extra headers any request may carry: big, odd, or trying to pass for something else. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 2, arbitrary: fc.record({ 'user-agent': headerValue, 'x-forwarded-for': headerValue, 'x-fz': headerValue }, { requiredKeys: [] }) },
  // Large but under Node's 16 KiB header limit: the route must still answer itself.
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 11_000 }).map((n) => ({ 'x-fz-big': 'b'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ 'x-http-method-override': 'DELETE' }, { 'x-middleware-subrequest': 'proxy:proxy:proxy:proxy:proxy' }, { 'x-invoke-path': '/api/health' }, { 'content-length-fz': '-1' }) },
)

const AUTHS: fc.Arbitrary<Auth> = fc.oneof({ weight: 12, arbitrary: fc.constant('key' as const) }, { weight: 3, arbitrary: fc.constant('cookie' as const) }, { weight: 2, arbitrary: fc.constant('none' as const) }, { weight: 2, arbitrary: fc.constant('badKey' as const) }, { weight: 1, arbitrary: fc.constant('badCookie' as const) })

function withBreaker(base: Record<string, JsonValue>, known: readonly string[], breakers: Breaker[]): fc.Arbitrary<string> {
  return fc.tuple(fc.oneof(...breakers), unknownFields(known)).map(([[name, value], extra]) => {
    const body: Record<string, JsonValue> = { ...extra, ...base }
    if (value === undefined) delete body[name]
    else body[name] = value
    return jsonText(body)
  })
}

/** A metered gateway POST: the body is refused (400/413/415), or the credentials are (401). */
function gatewayPost(route: string, base: Record<string, JsonValue>, known: readonly string[], breakers: Breaker[]): fc.Arbitrary<HostileRequest> {
  const json = { 'content-type': 'application/json' }
  const valid = jsonText(base)
  const body: fc.Arbitrary<{ headers: Record<string, string>; body: string }> = fc.oneof(
    { weight: 40, arbitrary: withBreaker(base, known, breakers).map((b) => ({ headers: json, body: b })) },
    { weight: 10, arbitrary: notJson.map((b) => ({ headers: json, body: b })) },
    { weight: 6, arbitrary: notObject.map((b) => ({ headers: json, body: b })) },
    { weight: 6, arbitrary: wrongContentType.map((t) => ({ headers: (t === undefined ? {} : { 'content-type': t }) as Record<string, string>, body: valid })) },
    { weight: 3, arbitrary: deepNesting.map((d) => ({ headers: json, body: jsonText({ ...base, fz_deep: d }) })) },
    { weight: 3, arbitrary: fc.oneof(notUuid.filter((s) => s !== ''), fc.uuid()).map((c) => ({ headers: json, body: jsonText({ ...base, campaign: c }) })) },
    { weight: 3, arbitrary: fc.oneof(fc.constantFrom("' OR 1=1 --", 'not-a-uuid', '00000000-0000-0000-0000-00000000000g'), fc.uuid()).map((c) => ({ headers: { ...json, 'x-campaign-id': c }, body: valid })) },
    { weight: 1, arbitrary: oversized(GATEWAY_MAX).map((b) => ({ headers: json, body: b })) },
  )
  return fc.record({ auth: AUTHS, body, extra: extraHeaders }).map(({ auth, body, extra }) => ({ route, method: 'POST', path: route, auth, headers: { ...extra, ...body.headers }, body: body.body }))
}

export const chat = gatewayPost('/api/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, ['model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'n', 'campaign', 'service_tier'], [
  field('model', missing, notString, fc.constant(''), unknownModel),
  field('messages', missing, fc.oneof(edgeString, edgeNumber, fc.constant({}), fc.constant(null)), fc.constant([]), fc.array(fc.oneof(edgeString, edgeNumber, fc.constant(null)), { minLength: 1, maxLength: 3 })),
  field('messages', edgeString.filter((r) => !['system', 'developer', 'user', 'assistant', 'tool', 'function'].includes(r)).map((role) => [{ role, content: 'x' }])),
  field('messages', fc.oneof(edgeNumber, fc.constant({}), fc.boolean()).map((content) => [{ role: 'user', content }])),
  field('stream', fc.oneof(edgeString, edgeNumber, fc.constant({}), fc.constant([] as JsonValue[]))),
  field('stream_options', fc.oneof(edgeString, edgeNumber, fc.constant([] as JsonValue[]))),
  field('max_tokens', badCount('-5')),
  field('max_completion_tokens', badCount('-5')),
  field('n', badCount('17')),
])

export const content = gatewayPost('/api/v1/content/generations', { brief: 'Write about toll roads', format: 'blog_post' }, ['brief', 'format', 'tone', 'audience', 'model', 'max_tokens', 'campaign'], [
  field('brief', missing, notString, whitespace, long(20_001)),
  field('format', missing, notString, edgeString.filter((f) => !['blog_post', 'social_post', 'ad_copy', 'email', 'product_description', 'headline'].includes(f))),
  field('tone', notString, whitespace, fc.constant(''), long(101)),
  field('audience', notString, long(501)),
  field('model', notString, fc.constant(''), unknownModel),
  field('max_tokens', badCount('16385')),
])

export const images = gatewayPost('/api/v1/images/generations', { model: 'dall-e-2', prompt: 'a lighthouse' }, ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'campaign'], [
  field('prompt', missing, notString, fc.constant(''), long(32_001)),
  field('n', badCount('11')),
  field('size', notString, long(21)),
  field('quality', notString, long(21)),
  field('response_format', notString, edgeString.filter((f) => f !== 'url' && f !== 'b64_json')),
  field('model', notString, fc.constant(''), unknownModel),
])

export const videos = gatewayPost('/api/v1/videos/generations', { model: 'gen4_turbo', prompt: 'a road at dusk' }, ['model', 'prompt', 'seconds', 'resolution', 'aspect_ratio', 'image_url', 'campaign'], [
  field('model', missing, notString, fc.constant(''), unknownModel),
  field('prompt', notString, long(5_001), fc.constant(''), whitespace),
  field('seconds', raw('0', '-1', '-0', '61', '1e308', '1e309', '9223372036854775808', '1e-400'), notNumber),
  field('resolution', notString, long(21)),
  field('aspect_ratio', notString, long(21)),
  field('image_url', notString, fc.constantFrom('not a url', 'http//x', '%%', '://', '')),
])

const bearer = fc.oneof(fc.constant('key' as const), fc.constant('cookie' as const))

/** A gateway read whose only fault is its credentials (the query is noise the route ignores). */
const readWithBadAuth = (route: string) =>
  fc.record({ auth: fc.constantFrom<Auth>('none', 'badKey', 'badCookie'), q: fc.array(fc.tuple(edgeString.map((s) => encodeURIComponent(s.slice(0, 40).toWellFormed())), rawQueryValue), { maxLength: 3 }), extra: extraHeaders }).map(
    ({ auth, q, extra }): HostileRequest => ({ route, method: 'GET', path: q.length ? `${route}?${queryString(q)}` : route, auth, headers: extra }),
  )

export const models = readWithBadAuth('/api/v1/models')
export const usage = readWithBadAuth('/api/v1/usage')

/** A GET with one query parameter its route refuses, plus noise it ignores. */
function badQuery(route: string, auth: fc.Arbitrary<Auth>, known: string[], breakers: fc.Arbitrary<[string, string]>[]): fc.Arbitrary<HostileRequest> {
  const noise = fc.array(fc.tuple(edgeString.map((s) => `fz_${encodeURIComponent(s.slice(0, 40).toWellFormed())}`), rawQueryValue), { maxLength: 3 })
  return fc.record({ auth: fc.oneof({ weight: 5, arbitrary: auth }, { weight: 1, arbitrary: fc.constantFrom<Auth>('none', 'badKey', 'badCookie') }), breaker: fc.oneof(...breakers), noise, extra: extraHeaders }).map(({ auth, breaker, noise, extra }) => {
    const params = [...noise.filter(([k]) => !known.includes(k)), breaker]
    return { route, method: 'GET', path: `${route}?${queryString(params)}`, auth, headers: extra }
  })
}
// Cut to 300 characters: a query string must stay well under Node's 16 KiB limit for the request head.
const q = (name: string, ...values: fc.Arbitrary<string>[]) => fc.oneof(...values).map((v) => [name, encodeURIComponent(v.slice(0, 300).toWellFormed())] as [string, string])
const qRaw = (name: string, ...values: string[]) => fc.constantFrom(...values).map((v) => [name, v] as [string, string])
const notIn = (allowed: string[]) => edgeString.map((s) => s.slice(0, 300).toWellFormed()).filter((s) => !allowed.includes(s))
const cursor = fc.oneof(
  edgeString.map((s) => s.toWellFormed()).filter((s) => s !== ''),
  fc.constantFrom('1', 'Dec 25 1995', '0000-01-01T00:00:00Z', '2024-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2024-01-01 00:00:00 garbage', '+275760-09-13T00:00:00.000Z', 'Tue, 31 Dec 1').map((t) => Buffer.from(JSON.stringify([t, '00000000-0000-4000-8000-000000000000'])).toString('base64url')),
  fc.constantFrom('[1]', '["2024-01-01T00:00:00.000000Z","x"]', '{}', 'null', '["2024-01-01T00:00:00.000000Z","00000000-0000-4000-8000-000000000000",1]').map((t) => Buffer.from(t).toString('base64url')),
)
const HISTORY_KNOWN = ['limit', 'cursor', 'service', 'campaign', 'status', 'model', 'request_id', 'from', 'to']
const historyFilters = [
  q('service', notIn(['content', 'chat', 'image', 'video'])),
  q('campaign', notUuid),
  q('status', notIn(['success', 'error', 'rate_limited', 'limit_exceeded', 'client_aborted'])),
  q('model', fc.constant(''), long(201), fc.constantFrom('\u0000', 'gpt\u0000')),
  q('request_id', fc.constant(''), long(101), fc.constantFrom('\u0000', 'req_\u0000')),
  q('from', badDate),
  q('to', badDate),
  qRaw('model', '%00', 'a%00', ''),
]

export const history = badQuery('/api/v1/usage/history', bearer, HISTORY_KNOWN, [
  ...historyFilters,
  q('limit', fc.constantFrom('0', '-1', '101', '1e308', 'NaN', 'Infinity', '-Infinity', 'abc', '1.5', '9223372036854775808', '-0', '', ' ', '0x', '1e-400', '[]')),
  q('cursor', cursor),
])

export const aggregations = badQuery('/api/v1/usage/aggregations', bearer, ['period', 'from', 'to'], [
  q('period', notIn(['day', 'week', 'month'])),
  q('from', badDate),
  q('to', badDate),
  qRaw('from', '2024-03-01&to=2024-02-01', '2020-01-01&to=2024-01-01', '0000-01-01&to=0001-01-01'),
])

export const exportCsv = badQuery('/api/usage/export', fc.constant('cookie' as const), HISTORY_KNOWN, historyFilters)

/** GET /api/v1/videos/generations/{id}: no such job, whatever the id looks like. */
export const videoPoll = fc.record({ auth: AUTHS, id: pathId, extra: extraHeaders }).map(({ auth, id, extra }): HostileRequest => ({ route: '/api/v1/videos/generations/[id]', method: 'GET', path: `/api/v1/videos/generations/${id}`, auth, headers: extra }))

/** DELETE /api/keys/{id}: not one of the caller's keys. */
export const revokeKey = fc.record({ auth: fc.constantFrom<Auth>('cookie', 'cookie', 'cookie', 'none', 'badCookie', 'key'), id: pathId, extra: extraHeaders }).map(({ auth, id, extra }): HostileRequest => ({ route: '/api/keys/[id]', method: 'DELETE', path: `/api/keys/${id}`, auth, headers: extra }))

/** App JSON routes (sign-up, sign-in, keys): bodies broken by construction, or too big. */
function appPost(route: string, auth: fc.Arbitrary<Auth>, base: Record<string, JsonValue>, known: string[], breakers: Breaker[]): fc.Arbitrary<HostileRequest> {
  const json = { 'content-type': 'application/json' }
  const body = fc.oneof(
    { weight: 20, arbitrary: withBreaker(base, known, breakers).map((b) => ({ headers: json, body: b })) },
    { weight: 6, arbitrary: notJson.map((b) => ({ headers: json, body: b })) },
    { weight: 4, arbitrary: notObject.map((b) => ({ headers: json, body: b })) },
    { weight: 4, arbitrary: fc.tuple(wrongContentType.filter((t) => t !== 'application/jsonp'), withBreaker(base, known, breakers)).map(([t, b]) => ({ headers: (t === undefined ? {} : { 'content-type': t }) as Record<string, string>, body: b })) },
    { weight: 1, arbitrary: oversized(APP_JSON_MAX).map((b) => ({ headers: json, body: b })) },
  )
  return fc.record({ auth, body, extra: extraHeaders }).map(({ auth, body, extra }) => ({ route, method: 'POST', path: route, auth, headers: { ...extra, ...body.headers }, body: body.body }))
}

const notEmail = fc.oneof(notString, edgeString.filter((s) => !s.includes('@')), fc.constantFrom('a@b', '@example.test', 'a@', 'a b@example.test', `${'x'.repeat(250)}@example.test`))
const badPassword = (min: number) => fc.oneof(missing, notString, fc.integer({ min: 0, max: min - 1 }).map((n) => 'p'.repeat(n)), long(129))
const noAuth = fc.constantFrom<Auth>('none', 'badCookie', 'cookie')

export const signup = appPost('/api/auth/signup', noAuth, { email: 'fuzz@example.test', password: 'a long enough password' }, ['email', 'password', 'displayName'], [
  field('email', missing, notEmail),
  field('password', badPassword(8)),
  field('displayName', notStringNorNull, long(81)),
])

export const login = appPost('/api/auth/login', noAuth, { email: 'fuzz@example.test', password: 'a long enough password' }, ['email', 'password'], [
  field('email', missing, notEmail),
  field('password', badPassword(1)),
])

export const createKey = appPost('/api/keys', fc.constantFrom<Auth>('cookie', 'cookie', 'cookie', 'none', 'badCookie', 'key'), { name: 'fuzz key' }, ['name'], [
  field('name', missing, notString, whitespace, fc.constant(''), long(101).map((s) => ` ${s} `)),
])

/** Stripe webhooks: any body, never a valid signature. */
export const stripeWebhook = fc
  .record({
    body: fc.oneof(notJson, notObject, anyJson.map(jsonText), fc.constant(JSON.stringify({ id: 'evt_fz', type: 'customer.subscription.updated', data: { object: {} } }))),
    signature: fc.option(fc.oneof(headerValue, fc.constantFrom('t=1,v1=00', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`, 't=,v1=', 'v1=abc', 't=99999999999999999999,v1=x')), { nil: undefined }),
    extra: extraHeaders,
  })
  .map(({ body, signature, extra }): HostileRequest => ({ route: '/api/stripe/webhook', method: 'POST', path: '/api/stripe/webhook', auth: 'none', headers: { ...extra, 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) }, body }))

export const keysList = fc.record({ auth: fc.constantFrom<Auth>('none', 'badCookie', 'key', 'badKey'), extra: extraHeaders }).map(({ auth, extra }): HostileRequest => ({ route: '/api/keys', method: 'GET', path: '/api/keys', auth, headers: extra }))
