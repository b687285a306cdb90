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
