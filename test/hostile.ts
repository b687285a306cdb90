// Generators of hostile input for the fuzz tests (fast-check): strings and numbers that break
// parsers, JSON that is not what a route expects, and query strings and path ids that are
// wrong. Bodies are written as JSON text by hand so that numbers JSON.stringify cannot write
// (1e309, -0, 2**63 exactly) reach the server as sent.
import fc from 'fast-check'

/** A JSON fragment written verbatim into a body (a number literal JSON.stringify would change). */
export class Raw {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | number | string | Raw | JsonValue[] | { [key: string]: JsonValue }

export function jsonText(value: JsonValue): string {
  if (value instanceof Raw) return value.text
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`
  if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`
  return JSON.stringify(value)
}

/** Strings that have broken parsers, databases and renderers before. */
export const EDGE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '🦄\u200d', '\u200b', '\u200e\u202e\u2066abc', '\ufeff', '\u2028\u2029',
  'ﷺ', '𒐫', 'Z̴̡̛̖͈̔a̵̡͚̓l̸̢̙̇g̸̱̀o̵̩̍', '\t\r\n', '\\', '"', "'", '`', '%00', '%ZZ', '%ED%A0%80', '${7*7}', '{{7*7}}',
  "' OR 1=1 --", "'; drop table api_usage; --", '1) or (1=1', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
  '=cmd|\' /C calc\'!A0', '../../etc/passwd', 'NaN', 'Infinity', '-0', '1e308', 'null', 'undefined', 'true', '[]', '{}', '__proto__',
]

/** Number literals at the edges of what JSON, JavaScript and PostgreSQL can hold. */
export const EDGE_NUMBERS = ['1e308', '1e309', '-1e309', '-0', '0', '-1', '9223372036854775808', '-9223372036854775809', '2147483648', '1.5', '1e-400', '0.0000001', '123456789012345678901234567890', '4.9e-324']

export const edgeString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'é', '🦄', '\u200b', '\u0000'), fc.integer({ min: 300, max: 40_000 })).map(([c, n]) => c.repeat(n)) },
)

export const edgeNumber = fc.constantFrom(...EDGE_NUMBERS).map((n) => new Raw(n))

/** Any JSON value, hostile leaves included, nested a little. */
export const anyJson: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    edgeNumber,
    edgeString,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(edgeString, tie('v'), { maxKeys: 3 }),
  ),
})).v

/** A JSON value that is not a string (wrong type for a string field). */
export const notString = anyJson.filter((v) => typeof v !== 'string')
/** A JSON value that is neither a string nor null/absent-like. */
export const notStringNorNull = notString.filter((v) => v !== null)
/** A JSON value that is not a finite JSON number (wrong type for a number field). */
export const notNumber = fc.oneof(edgeString, fc.constant(null), fc.boolean(), fc.array(anyJson, { maxLength: 2 }), fc.constant({}))

/** Unknown fields with hostile names and values; none is a field any route knows. */
export function unknownFields(known: readonly string[]): fc.Arbitrary<Record<string, JsonValue>> {
  const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'x_fz', '', '\u0000', '\ud800', '$where', 'a.b', 'password'), edgeString.map((s) => `fz_${s.slice(0, 60)}`))
  return fc.dictionary(key.filter((k) => !known.includes(k)), anyJson, { maxKeys: 4 })
}

/** Text that JSON.parse refuses. */
export const notJson = fc
  .oneof(
    fc.constantFrom('', '{', '{"model":', '{"a":1,}', "{'a':1}", '[1,2', 'nul', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"a":01}', '{"a":"\u0000"}', '{"a":"\\x41"}', '\ufeff{}', '{"a" 1}', '}{', '{"a":1}{"b":2}', '{"__proto__":'),
    fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `{${s}`),
    fc.string({ maxLength: 60 }).map((s) => `${s}}`),
  )
  .filter((text) => {
    try {
      JSON.parse(text)
      return false
    } catch {
      return true
    }
  })

/** JSON that parses but is not an object. */
export const notObject = fc.oneof(fc.constant('null'), fc.constant('[]'), fc.constant('"a string"'), fc.constant('42'), fc.constant('true'), fc.array(anyJson, { maxLength: 3 }).map(jsonText), edgeNumber.map((n) => n.text))

/** A value nested deeper than any real request: 1,000 to 200,000 levels of arrays or objects. */
export const deepNesting = fc.tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.boolean()).map(([depth, arrays]) => new Raw(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`))

/** A body just over `limit` bytes that is otherwise plausible JSON. */
export const oversized = (limit: number) => fc.integer({ min: limit + 1, max: limit + 64 * 1024 }).map((size) => `{"model":"gpt-4o-mini","pad":"${'x'.repeat(size)}"}`)

/** A string that is not a UUID. */
export const notUuid = edgeString.filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s))

/** Strings that look like dates but are not ones PostgreSQL and the APIs accept. */
export const badDate = fc.oneof(
  fc.constantFrom('0000-01-01', '0000-12-31T23:59:59Z', '2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-1-1', '24-01-01', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00', '275760-09-14', '+275760-09-13', '-000001-01-01', '1', 'yesterday', 'Dec 25 1995', '1e308', 'NaN', '2024-01-01 00:00', '2024/01/01', '2024-01-01T00:00:00+25:00'),
  edgeString.filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s)),
)

/** Query-string values written raw: broken percent escapes, encoded NUL and surrogates, long values. */
export const rawQueryValue = fc.oneof(
  fc.constantFrom('%ZZ', '%', '%0', '%00', '%ED%A0%80', '%C0%AF', '%FF', '%E2%80%AE', '%2B', '+', '%26', '%3D', '%0D%0ASet-Cookie:%20x=1', 'a%00b'),
  edgeString.map((s) => encodeURIComponent(s.slice(0, 300).toWellFormed())),
  fc.integer({ min: 1_000, max: 3_000 }).map((n) => 'q'.repeat(n)),
)

export function queryString(params: [string, string][]): string {
  return params.map(([k, v]) => `${k}=${v}`).join('&')
}

/** Path ids: random, percent-broken, encoded NUL, surrogates, slashes; never `.` or `..` (the URL parser would move the path). */
export const pathId = fc.oneof(
  fc.constantFrom('fz%ZZ', 'fz%', 'fz%00', 'fz%ED%A0%80', 'fz%C0%AF', 'fz%FF', 'fz%2F..%2Fkeys', 'fz%5C', 'fz%20', 'fz;drop', "fz'%20OR%201=1", '00000000-0000-0000-0000-000000000000', 'vid_000000000000000000000000'),
  edgeString.map((s) => `fz${encodeURIComponent(s.toWellFormed())}`),
  fc.uuid(),
  fc.integer({ min: 2_000, max: 3_000 }).map((n) => 'i'.repeat(n)),
)

/** Header values fetch will send (no CR, LF or NUL; Latin-1 only) but that are still odd. */
export const headerValue = fc.oneof(
  fc.constantFrom('é', 'ÿÿ', '"><script>', "' OR 1=1 --", '=1+1', 'application/json\u00a0', ' '.repeat(20) + 'x'),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, '').trim()),
  fc.integer({ min: 2_000, max: 3_000 }).map((n) => 'h'.repeat(n)),
)

/** Content types other than JSON (and JSON ones spelled in ways the routes must refuse). */
export const wrongContentType = fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'json', 'text/json', 'application/xml', '*/*', '')
