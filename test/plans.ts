// The plan catalog as the test's database has it (public.plans is the source of truth), keyed
// by id, for tests that compare against a plan's terms: `const PLANS = await catalog()`.
import { PLAN_COLUMNS, planFromRow, type Plan, type PlanRow } from '@/lib/billing/plans'
import { withClient } from '@/test/databases'

export async function catalog(url = process.env.DATABASE_URL!): Promise<Record<string, Plan>> {
  const rows = await withClient(url, async (c) => (await c.query<PlanRow>(`select ${PLAN_COLUMNS} from public.plans order by created_at, id`)).rows)
  return Object.fromEntries(rows.map((r) => [r.id, planFromRow(r)]))
}
