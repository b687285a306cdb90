import 'server-only'
import { pool } from '@/lib/db/prisma'
import { env } from '@/lib/env'
import type { PlanId } from '@/lib/billing/plans'

// SIGNUP_PLAN reaches new users through the database: the signup trigger on auth.users reads
// public.app_settings.signup_plan, so every way a user is created (built-in sign-up, Supabase
// Auth's own endpoints and OAuth, operators inserting users) starts on that plan in the same
// transaction that creates the user, with no moment on another plan and no second write that
// could fail. Each app process writes its SIGNUP_PLAN there at boot; instances of one
// deployment must therefore agree on it (the last one started wins).

const RETRY_MS = 5_000

/** Writes `plan` where the signup trigger reads it. Idempotent. */
export async function writeSignupPlan(plan: PlanId): Promise<void> {
  await pool().query(
    `insert into public.app_settings (id, signup_plan) values (true, $1)
     on conflict (id) do update set signup_plan = excluded.signup_plan
      where public.app_settings.signup_plan is distinct from excluded.signup_plan`,
    [plan],
  )
}

/**
 * At boot: writes SIGNUP_PLAN, and should the database not answer yet, keeps retrying in the
 * background until it does (never holding the server's start). Resolves after the first try.
 */
export async function syncSignupPlan(): Promise<void> {
  const attempt = async (first: boolean): Promise<void> => {
    try {
      await writeSignupPlan(env.SIGNUP_PLAN)
    } catch (error) {
      // 23503: the foreign key to public.plans. Kept retrying: an operator may create that plan.
      const why = (error as { code?: string }).code === '23503' ? 'no such plan in public.plans' : (error as Error).message
      if (first) console.error(`[signup-plan] SIGNUP_PLAN=${env.SIGNUP_PLAN} not written yet (${why}); retrying every ${RETRY_MS / 1000} s`)
      setTimeout(() => void attempt(false), RETRY_MS).unref()
    }
  }
  await attempt(true)
}
