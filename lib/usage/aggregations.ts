import 'server-only'
import { z } from 'zod'
import { withUser } from '@/lib/db/with-user'
import { usd } from '@/lib/usage/money'

// A real calendar day PostgreSQL can hold: Date.parse rolls "2023-02-29" over to 1 March, and
// PostgreSQL refuses year 0000 (there is none), which answered 500.
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date (YYYY-MM-DD)' })
  .refine((d) => !d.startsWith('0000') && !Number.isNaN(Date.parse(d)) && new Date(Date.parse(d)).toISOString().startsWith(d), { error: 'must be a real date' })

export const AggregationQuerySchema = z
  .object({
    period: z.enum(['day', 'week', 'month'], { error: 'must be day, week or month' }).default('day'),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .transform((q) => {
    const to = q.to ?? new Date().toISOString().slice(0, 10)
    const from = q.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10)
    return { period: q.period, from, to }
  })
  .refine((q) => q.from <= q.to, { error: 'from must not be after to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 3 * 366 * 86_400_000, { error: 'the range may span at most three years', path: ['from'] })

export type AggregationQuery = z.infer<typeof AggregationQuerySchema>

/** getUserAggregations (seed name, docs/seed-names.md): rollups by period, service, provider and model. */
export async function getUserAggregations(userId: string, query: AggregationQuery) {
  const rows = await withUser(userId, (tx) =>
    tx.usageAggregation.findMany({
      where: { userId, periodType: query.period, periodStart: { gte: new Date(`${query.from}T00:00:00Z`), lte: new Date(`${query.to}T00:00:00Z`) } },
      orderBy: [{ periodStart: 'asc' }, { serviceType: 'asc' }, { provider: 'asc' }, { model: 'asc' }],
    }),
  )
  return {
    object: 'list' as const,
    period: query.period,
    from: query.from,
    to: query.to,
    data: rows.map((r) => ({
      period_type: r.periodType,
      period_start: r.periodStart.toISOString().slice(0, 10),
      service_type: r.serviceType,
      provider: r.provider,
      model: r.model,
      request_count: r.requestCount,
      success_count: r.successCount,
      error_count: r.errorCount,
      input_tokens: Number(r.inputTokens),
      output_tokens: Number(r.outputTokens),
      cached_tokens: Number(r.cachedTokens),
      reasoning_tokens: Number(r.reasoningTokens),
      images_generated: r.imagesGenerated,
      video_seconds: Number(r.videoSeconds),
      total_cost: usd(r.totalCost),
      unpriced_count: r.unpricedCount,
      avg_latency_ms: r.requestCount ? Math.round(Number(r.totalLatencyMs) / r.requestCount) : null,
    })),
  }
}
