import { describe, expect, it } from 'vitest'
import { auditChanges } from '@/lib/admin/audit-diff'

describe('auditChanges', () => {
  it('names only what changed, by dotted path', () => {
    const before = { plan_type: 'free', limits: { chat: 200, image: 10 }, monthly_cost_budget: '1', rates: { chat: { requests_per_minute: 10 } } }
    const after = { plan_type: 'pro', limits: { chat: 5000, image: 10 }, monthly_cost_budget: '50', rates: { chat: { requests_per_minute: 10 } } }
    expect(auditChanges(before, after)).toEqual([
      { path: 'limits.chat', before: '200', after: '5000' },
      { path: 'monthly_cost_budget', before: '1', after: '50' },
      { path: 'plan_type', before: 'free', after: 'pro' },
    ])
  })

  it('shows creations and removals', () => {
    expect(auditChanges(null, { id: 'k', prefix: 'tg_abc' })).toEqual([
      { path: 'id', before: '—', after: 'k' },
      { path: 'prefix', before: '—', after: 'tg_abc' },
    ])
    expect(auditChanges({ budget: '5' }, { budget: null })).toEqual([{ path: 'budget', before: '5', after: 'none' }])
    expect(auditChanges({ active: ['tg_a', 'tg_b'] }, { active: [] })).toEqual([{ path: 'active', before: '["tg_a","tg_b"]', after: '[]' }])
  })

  it('is empty when nothing differs', () => {
    expect(auditChanges({ a: 1 }, { a: 1 })).toEqual([])
  })
})
