// The seed's names, where a reader of the written specification looks for them. Each export is
// a thin, typed entry point over the code that does the work (docs/seed-names.md maps every
// name to its home); new code may import from either place. Server only: most of them read or
// write the database. The seed's two components live under app/: UsagePanel (the Usage & Costs
// tab, app/(app)/settings/usage/page.tsx) and SettingsPage (app/(app)/settings/page.tsx).
import 'server-only'
import { extractIPAddress, extractUserAgent } from '@/lib/gateway/client-info'
import { trackAPIUsage } from '@/lib/metering/record'
import { buildUsageRow } from '@/lib/metering/row'
import { calculateImageCost, calculateVideoCost } from '@/lib/pricing/media'
import { calculateOpenAICost } from '@/lib/pricing/text'
import { AggregationQuerySchema, getUserAggregations as listAggregations } from '@/lib/usage/aggregations'
import { decodeCursor, HistoryQuerySchema, listUsageHistory } from '@/lib/usage/history'
import { checkUsageLimit } from '@/lib/usage/limit-check'
import { getUserUsage } from '@/lib/usage/summary'

export type { UsageLimitCheck } from '@/lib/usage/limit-check'
export type { UsageSummary } from '@/lib/usage/summary'
export { buildUsageRow, calculateImageCost, calculateOpenAICost, calculateVideoCost, checkUsageLimit, extractIPAddress, extractUserAgent, getUserUsage, trackAPIUsage }

/**
 * One page of the user's calls, newest first, read through RLS. `query` takes the filters of
 * GET /api/v1/usage/history (service, status, model, campaign, request_id, from, to, limit,
 * cursor), validated as that route validates them; throws a ZodError on a bad filter.
 */
export async function getUserUsageHistory(userId: string, query: Record<string, unknown> = {}) {
  const parsed = HistoryQuerySchema.parse(query)
  const after = parsed.cursor ? decodeCursor(parsed.cursor) : null
  if (parsed.cursor && !after) throw new RangeError('cursor is not one this server issued')
  return listUsageHistory(userId, parsed, after)
}

/**
 * The user's rollups by day, week or month (default: the last 30 days by day), per service,
 * provider and model, as GET /api/v1/usage/aggregations answers; throws a ZodError on a bad range.
 */
export async function getUserAggregations(userId: string, query: { period?: 'day' | 'week' | 'month'; from?: string; to?: string } = {}) {
  return listAggregations(userId, AggregationQuerySchema.parse(query))
}

/** The same functions as one object, as the specification groups them. */
export const usageTracker = {
  trackAPIUsage,
  calculateOpenAICost,
  calculateImageCost,
  calculateVideoCost,
  checkUsageLimit,
  getUserUsage,
  getUserUsageHistory,
  getUserAggregations,
  extractIPAddress,
  extractUserAgent,
} as const
