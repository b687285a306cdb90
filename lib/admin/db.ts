import 'server-only'
import { db } from '@/lib/db/prisma'
import type { Prisma } from '@/lib/generated/prisma/client'

export type OperatorTx = Prisma.TransactionClient

/**
 * The operators' read path: a READ ONLY transaction as the app's login, which sees every user
 * (operators are not bound by a user's row level security). Read only, so a console read can
 * never write by mistake: writes go through auditedWrite (lib/admin/audit.ts). Callers have
 * checked the operator role (requireOperator, an admin key).
 */
export async function withOperatorRead<T>(fn: (tx: OperatorTx) => Promise<T>): Promise<T> {
  return db().$transaction(async (tx) => {
    await tx.$executeRawUnsafe('set transaction read only')
    return fn(tx)
  })
}
