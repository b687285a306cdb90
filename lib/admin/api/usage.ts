import 'server-only'
import type { UserRef } from '@/lib/admin/users'
import type { AdminHistoryQuerySchema, AdminRollupQuerySchema } from '@/lib/admin/api/usage-schemas'
import { AppError } from '@/lib/errors'
import { getUserAggregations } from '@/lib/usage/aggregations'
import { decodeCursor, listUsageHistory } from '@/lib/usage/history'
import type { z } from 'zod'

// A user's calls and rollups for the operator API: the very functions behind the user's own
// /api/v1/usage/history and /aggregations, run as that user (row level security), so what an
// operator reads is exactly what the user would see and can never include another user's rows.

export async function listUserCalls(user: UserRef, query: z.infer<typeof AdminHistoryQuerySchema>) {
  const after = query.cursor ? decodeCursor(query.cursor) : null
  if (query.cursor && !after) throw new AppError('invalid_request', 'cursor: is not a cursor this API returned', { param: 'cursor' })
  return listUsageHistory(user.id, query, after)
}

export async function listUserRollups(user: UserRef, query: z.infer<typeof AdminRollupQuerySchema>) {
  return getUserAggregations(user.id, query)
}
