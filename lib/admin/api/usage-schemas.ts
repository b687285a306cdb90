// The query and answer shapes of a user's usage and rollups in the operator API: the user's own
// API's schemas (lib/usage), so an operator filters and pages exactly as the user does.
import { z } from 'zod'
import { AggregationQuerySchema } from '@/lib/usage/aggregations'
import { HistoryQuerySchema } from '@/lib/usage/history'

/** Calls: limit, cursor (next_cursor of the previous page), service, status, model, request_id, from, to. */
export const AdminHistoryQuerySchema = z.strictObject(HistoryQuerySchema.omit({ campaign: true }).shape, { error: unknownParameter })
/** Rollups: period (day, week, month), from, to (YYYY-MM-DD; the last 30 days by default). */
export const AdminRollupQuerySchema = z.strictObject(AggregationQuerySchema.in.shape, { error: unknownParameter })
  // Through any: the strict copy's output (period defaulted) and the original's input differ only in optionality.
  .pipe(z.any())
  .pipe(AggregationQuerySchema)

function unknownParameter(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'unrecognized_keys' ? `unknown query parameter ${issue.keys.join(', ')}` : undefined
}

const money = z.string().nullable()

export const UsagePageSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z
      .object({
        id: z.uuid(),
        request_id: z.string(),
        service_type: z.string(),
        provider: z.string(),
        model: z.string(),
        status: z.string(),
        input_tokens: z.number(),
        output_tokens: z.number(),
        total_cost: money,
        cost_status: z.string(),
        created_at: z.string(),
      })
      .loose(),
  ),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
})

export const RollupsSchema = z.object({
  object: z.literal('list'),
  period: z.enum(['day', 'week', 'month']),
  from: z.string(),
  to: z.string(),
  data: z.array(
    z
      .object({
        period_start: z.string(),
        service_type: z.string(),
        provider: z.string(),
        model: z.string(),
        request_count: z.number(),
        total_cost: money,
      })
      .loose(),
  ),
})
