// The x-ratelimit-* headers as OpenAI writes them: resets in Go's duration format, never
// shorter than the exact wait (a client that waits what they say never comes back early).
import { describe, expect, it } from 'vitest'
import { formatDuration, rateHeaderValues } from '@/lib/gateway/admission'

describe('formatDuration', () => {
  it('writes OpenAI\'s duration format, rounded up to the millisecond', () => {
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(0.0004)).toBe('1ms')
    expect(formatDuration(0.873)).toBe('873ms')
    expect(formatDuration(1.2)).toBe('1.2s')
    expect(formatDuration(59.873512)).toBe('59.874s')
    expect(formatDuration(60)).toBe('1m0s')
    expect(formatDuration(360)).toBe('6m0s')
    expect(formatDuration(3723.5)).toBe('1h2m3.5s')
  })
})

describe('rateHeaderValues', () => {
  it('says requests always, and tokens only when a token limit applies', () => {
    expect(rateHeaderValues({ limit: 60, remaining: 59, reset_seconds: 59.5, tokens: null })).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '59.5s',
    })
    expect(rateHeaderValues({ limit: 60, remaining: 0, reset_seconds: 1, tokens: { limit: 1000, remaining: 10, reset_seconds: 0.25 } })).toMatchObject({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '10',
      'x-ratelimit-reset-tokens': '250ms',
    })
  })
})
