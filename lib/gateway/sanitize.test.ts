import { describe, expect, it } from 'vitest'
import { sanitizePayload } from '@/lib/gateway/sanitize'

/** Limits with only the per-string cut in play (the byte cap far away). */
const chars = (maxChars: number) => ({ maxChars, maxBytes: 1 << 20 })

describe('sanitizePayload', () => {
  it('removes credentials at any depth and keeps ordinary fields, max_tokens included', () => {
    const out = sanitizePayload(
      { model: 'gpt-4o', max_tokens: 10, headers: { Authorization: 'Bearer tg_x', cookie: 'a=b', 'x-api-key': 'k' }, nested: [{ api_key: 'sk-1', password: 'p' }] },
      chars(100),
    )
    expect(out).toEqual({ model: 'gpt-4o', max_tokens: 10, headers: {}, nested: [{}] })
  })

  it('removes credentials written into values and keys, keeping the text around them', () => {
    const key = `tg_${'A1b2_C3d-'.repeat(5)}xyz`
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
    const out = sanitizePayload(
      {
        messages: [{ role: 'user', content: `use ${key} or ${key}x, session ${jwt}` }],
        headers: { auth_header: `Bearer ${jwt.slice(0, 20)}` },
        note: `openai sk-proj-${'a'.repeat(40)} anthropic sk-ant-api03-${'b'.repeat(30)} stripe sk_live_${'c'.repeat(24)} whsec_${'d'.repeat(32)}`,
        [key]: 'a key as a field name',
      },
      chars(2000),
    )
    const text = JSON.stringify(out)
    for (const secret of [key, key.slice(3), jwt, jwt.split('.')[2], 'a'.repeat(40), 'b'.repeat(30), 'c'.repeat(24), 'd'.repeat(32)]) expect(text).not.toContain(secret)
    expect(out).toMatchObject({
      messages: [{ role: 'user', content: 'use [credential removed] or [credential removed], session [credential removed]' }],
      headers: { auth_header: 'Bearer [credential removed]' },
      '[credential removed]': 'a key as a field name',
    })
  })

  it('redacts before cutting, so a cut never keeps most of a key', () => {
    const key = `tg_${'Z'.repeat(43)}`
    expect(sanitizePayload({ prompt: `${'x'.repeat(5)} ${key}` }, chars(30))).toEqual({ prompt: 'xxxxx [credential removed]' })
    expect(sanitizePayload({ prompt: `${key} ${'x'.repeat(40)}` }, chars(30))).toEqual({ prompt: `[credential removed] ${'x'.repeat(9)}…[31 more characters]` })
  })

  it('leaves ordinary text that merely resembles a credential', () => {
    const text = 'tg_short, sk-abc, eyJ alone, a Bearer of good news, max_tokens, task-1234567890'
    expect(sanitizePayload({ prompt: text }, chars(2000))).toEqual({ prompt: text })
  })

  it('never stores images inline', () => {
    const png = 'iVBORw0KGgo'.padEnd(5000, 'A')
    expect(sanitizePayload({ data: [{ b64_json: png }, { url: `data:image/png;base64,${png}` }] }, chars(100))).toEqual({
      data: [{ b64_json: '[image omitted]' }, { url: '[binary omitted]' }],
    })
  })

  it('drops signed URLs (their query strings are credentials) but keeps plain ones', () => {
    expect(sanitizePayload({ image_url: 'https://cdn.example/a.png?sig=secret' }, chars(100))).toEqual({ image_url: '[image omitted]' })
    expect(sanitizePayload({ image_url: 'https://cdn.example/a.png' }, chars(100))).toEqual({ image_url: 'https://cdn.example/a.png' })
  })

  it('cuts long prompts to the configured length and says how much was cut', () => {
    expect(sanitizePayload({ prompt: 'x'.repeat(30) }, chars(10))).toEqual({ prompt: `${'x'.repeat(10)}…[20 more characters]` })
  })

  it('stores only what jsonb accepts: no NUL, no lone surrogates (even when a cut splits an emoji)', () => {
    const out = sanitizePayload({ a: 'x\u0000y', b: 'ab😀cd', ['k\u0000']: 1 }, chars(3)) as Record<string, string>
    expect(out.a).toBe('xy')
    expect(out.b.isWellFormed()).toBe(true)
    expect(JSON.stringify(out)).not.toContain('\\u0000')
    expect(Object.keys(out)).toContain('k')
  })

  it('bounds arrays and depth', () => {
    const out = sanitizePayload({ messages: Array.from({ length: 60 }, (_, i) => ({ role: 'user', content: String(i) })) }, chars(100)) as { messages: unknown[] }
    expect(out.messages).toHaveLength(51)
    expect(out.messages[50]).toBe('[10 more items]')
  })
})

describe('sanitizePayload under hostile input', () => {
  const limits = { maxChars: 2000, maxBytes: 8192 }
  const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value))

  it('keeps at most maxBytes of JSON however the body is shaped', () => {
    const shapes: Record<string, unknown> = {
      'many fields': Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`field_${i}`, `value ${i}`])),
      'many empty fields': Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [String(i), ''])),
      'long keys': Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${i}`.padEnd(5_000, 'k'), 1])),
      'wide arrays of objects': { messages: Array.from({ length: 50 }, () => Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 'x'.repeat(30)]))) },
      'escaped characters': { prompt: '\u0001'.repeat(100_000), other: '"\\'.repeat(50_000) },
      'multi-byte text': { prompt: '😀'.repeat(200_000), more: 'é'.repeat(200_000) },
      'nested arrays': { a: Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => 'xxxxxxxx'))) },
    }
    for (const [name, body] of Object.entries(shapes)) {
      const out = sanitizePayload(body, limits)
      expect(size(out), name).toBeLessThanOrEqual(8192)
      expect(JSON.stringify(out), name).toContain('more')
    }
  })

  it('says what it left out when the cap is reached', () => {
    const out = sanitizePayload(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i])), { maxChars: 100, maxBytes: 1024 }) as Record<string, unknown>
    expect(out['[omitted]']).toMatch(/^\d+ more fields \(stored payloads are capped at 1024 bytes\)$/)
    expect(out.f0).toBe(0)
  })

  it('still redacts a credential that straddles the cut', () => {
    const jwt = `eyJ${'a'.repeat(40)}.eyJ${'b'.repeat(600)}.${'c'.repeat(43)}`
    const out = sanitizePayload({ prompt: `${'x'.repeat(95)} ${jwt}` }, { maxChars: 100, maxBytes: 8192 }) as { prompt: string }
    expect(out.prompt).not.toContain('aaaa')
    expect(out.prompt.startsWith(`${'x'.repeat(95)} [cre`)).toBe(true)
  })

  it('counts what it never looked at in its note', () => {
    const out = sanitizePayload({ prompt: 'y '.repeat(500_000) }, { maxChars: 10, maxBytes: 8192 }) as { prompt: string }
    expect(out.prompt).toBe(`${'y '.repeat(5)}…[999990 more characters]`)
  })

  it('redacts JWT-like runs without retrying them from every position', () => {
    // The input that froze the server: "eyJ" repeated, with no dot to complete a token. The
    // work must not grow with the square of the run (a megabyte of it is redacted in one pass).
    const out = sanitizePayload({ ignored: `${'eyJ'.repeat(350_000)} `, real: `eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.sig` }, { maxChars: 2000, maxBytes: 8192 }) as Record<string, string>
    expect(out.ignored.startsWith('eyJeyJ')).toBe(true)
    expect(out.real).toBe('[credential removed]')
  })
})
