import { describe, expect, it } from 'vitest'
import { PeriodSchema, rangeFor } from './range'

describe('report ranges', () => {
  it('ends every period with today (UTC) and starts it where it says', () => {
    const now = new Date('2026-03-03T23:30:00Z')
    expect(rangeFor('month', now)).toEqual({ period: 'month', from: '2026-03-01', to: '2026-03-04', days: ['2026-03-01', '2026-03-02', '2026-03-03'] })
    const week = rangeFor('7d', now)
    expect([week.from, week.to, week.days.length]).toEqual(['2026-02-25', '2026-03-04', 7])
    expect(rangeFor('90d', now).days).toHaveLength(90)
  })

  it('takes only the known periods', () => {
    expect(PeriodSchema.parse(undefined)).toBe('month')
    expect(PeriodSchema.safeParse('365d').success).toBe(false)
  })
})
