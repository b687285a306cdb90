// The seed's names (lib/usage-tracker.ts) reach the real code: every name is there, and the
// entry points that validate do so as their routes do, against the real database.
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildUsageRow, usageTracker } from '@/lib/usage-tracker'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

const url = () => process.env.DATABASE_URL!

describe('lib/usage-tracker', () => {
  it('groups every name the specification uses', () => {
    expect(Object.keys(usageTracker).sort()).toEqual(
      ['calculateImageCost', 'calculateOpenAICost', 'calculateVideoCost', 'checkUsageLimit', 'extractIPAddress', 'extractUserAgent', 'getUserAggregations', 'getUserUsage', 'getUserUsageHistory', 'trackAPIUsage'].sort(),
    )
    // 1,000 input tokens × $0.15/M + 500 output × $0.60/M (gpt-4o-mini) = $0.00015 + $0.0003
    expect(usageTracker.calculateOpenAICost(1000, 500, 'gpt-4o-mini').totalCost).toBe('0.00045')
    expect(usageTracker.extractUserAgent(new Request('http://x', { headers: { 'user-agent': 'curl/8' } }))).toBe('curl/8')
  })

  it('has a row in docs/seed-names.md for every seed name, pointing at a file that defines it', () => {
    const table = readFileSync('docs/seed-names.md', 'utf8')
    for (const name of [...Object.keys(usageTracker), 'usageTracker', 'UsagePanel', 'SettingsPage']) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${name}\` |`))
      expect(row, name).toBeDefined()
      const file = /\| `([^`]+\.tsx?)` → `(\w+)`/.exec(row!)
      expect(file, name).not.toBeNull()
      expect(existsSync(file![1]), file![1]).toBe(true)
      expect(readFileSync(file![1], 'utf8'), `${file![1]} defines ${file![2]}`).toMatch(new RegExp(`(function|const) ${file![2]}\\b`))
    }
  })

  it('records a call with trackAPIUsage and reads it back through history, rollups and the summary', async () => {
    const userId = await withClient(url(), (c) => insertUser(c))
    const requestId = `req_${randomUUID()}`
    // The row comes from the one builder (lib/metering/row.ts); trackAPIUsage takes nothing else.
    const context = { userId, service: 'chat' as const, endpoint: '/api/v1/chat/completions', requestId, campaignId: null, ip: null, userAgent: null, requestPayload: null, auth: 'api_key' as const, apiKeyId: null, at: new Date(), latencyMs: 120 }
    await usageTracker.trackAPIUsage(
      buildUsageRow(context, { provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 500, input_cost: '0.00015', output_cost: '0.0003', generation_cost: '0', total_cost: '0.00045', price_snapshot: null, cost_status: 'priced' }),
    )
    const history = await usageTracker.getUserUsageHistory(userId, { service: 'chat', limit: '5' })
    expect(history.data.map((r) => r.request_id)).toEqual([requestId])
    await expect(usageTracker.getUserUsageHistory(userId, { status: 'nonsense' })).rejects.toThrow(/must be one of/)
    await expect(usageTracker.getUserUsageHistory(userId, { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(/cursor/)
    const rollups = await usageTracker.getUserAggregations(userId, { period: 'month' })
    expect(rollups.data).toHaveLength(1)
    await expect(usageTracker.getUserAggregations(userId, { from: '2024-02-30' })).rejects.toThrow(/real date/)
    const summary = await usageTracker.getUserUsage(userId)
    expect(summary.calls.lifetime).toBe(1)
    expect((await usageTracker.checkUsageLimit(userId, 'chat')).allowed).toBe(true)
  })
})
