import { describe, expect, it } from 'vitest'
import { sanitizePayload } from '@/lib/gateway/sanitize'

describe('sanitizePayload', () => {
  it('removes credentials at any depth and keeps ordinary fields, max_tokens included', () => {
    const out = sanitizePayload(
      { model: 'gpt-4o', max_tokens: 10, headers: { Authorization: 'Bearer tg_x', cookie: 'a=b', 'x-api-key': 'k' }, nested: [{ api_key: 'sk-1', password: 'p' }] },
      100,
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
      2000,
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
    expect(sanitizePayload({ prompt: `${'x'.repeat(5)} ${key}` }, 30)).toEqual({ prompt: 'xxxxx [credential removed]' })
    expect(sanitizePayload({ prompt: `${key} ${'x'.repeat(40)}` }, 30)).toEqual({ prompt: `[credential removed] ${'x'.repeat(9)}…[31 more characters]` })
  })

  it('leaves ordinary text that merely resembles a credential', () => {
    const text = 'tg_short, sk-abc, eyJ alone, a Bearer of good news, max_tokens, task-1234567890'
    expect(sanitizePayload({ prompt: text }, 2000)).toEqual({ prompt: text })
  })

  it('never stores images inline', () => {
    const png = 'iVBORw0KGgo'.padEnd(5000, 'A')
    expect(sanitizePayload({ data: [{ b64_json: png }, { url: `data:image/png;base64,${png}` }] }, 100)).toEqual({
      data: [{ b64_json: '[image omitted]' }, { url: '[binary omitted]' }],
    })
  })

  it('drops signed URLs (their query strings are credentials) but keeps plain ones', () => {
    expect(sanitizePayload({ image_url: 'https://cdn.example/a.png?sig=secret' }, 100)).toEqual({ image_url: '[image omitted]' })
    expect(sanitizePayload({ image_url: 'https://cdn.example/a.png' }, 100)).toEqual({ image_url: 'https://cdn.example/a.png' })
  })

  it('cuts long prompts to the configured length and says how much was cut', () => {
    expect(sanitizePayload({ prompt: 'x'.repeat(30) }, 10)).toEqual({ prompt: `${'x'.repeat(10)}…[20 more characters]` })
  })

  it('stores only what jsonb accepts: no NUL, no lone surrogates (even when a cut splits an emoji)', () => {
    const out = sanitizePayload({ a: 'x\u0000y', b: 'ab😀cd', ['k\u0000']: 1 }, 3) as Record<string, string>
    expect(out.a).toBe('xy')
    expect(out.b.isWellFormed()).toBe(true)
    expect(JSON.stringify(out)).not.toContain('\\u0000')
    expect(Object.keys(out)).toContain('k')
  })

  it('bounds arrays and depth', () => {
    const out = sanitizePayload({ messages: Array.from({ length: 60 }, (_, i) => ({ role: 'user', content: String(i) })) }, 100) as { messages: unknown[] }
    expect(out.messages).toHaveLength(51)
    expect(out.messages[50]).toBe('[10 more items]')
  })
})
