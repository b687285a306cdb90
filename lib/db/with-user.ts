import 'server-only'
import { db } from '@/lib/db/prisma'
import type { Prisma } from '@/lib/generated/prisma/client'

export type UserTx = Prisma.TransactionClient

/** The JWT claims of a Supabase access token that RLS policies may read. */
export type UserClaims = {
  sub: string
  role: 'authenticated'
  aud: string
  email?: string
  [claim: string]: unknown
}

/**
 * Runs `fn` in a transaction as the `authenticated` role with the user's JWT claims set the
 * way Supabase's PostgREST sets them (`role` and `request.jwt.claims`, both transaction-local),
 * so every query inside is filtered by row level security exactly as on Supabase. Both settings
 * vanish at commit or rollback: a pooled connection never leaks one user's identity to the next.
 */
export async function withUser<T>(
  userId: string,
  fn: (tx: UserTx) => Promise<T>,
  claims: Partial<UserClaims> = {},
): Promise<T> {
  const fullClaims: UserClaims = { aud: 'authenticated', ...claims, sub: userId, role: 'authenticated' }
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select set_config('request.jwt.claims', ${JSON.stringify(fullClaims)}, true),
                              set_config('role', 'authenticated', true)`
    return fn(tx)
  })
}
