import 'server-only'
import { withOperatorRead } from '@/lib/admin/db'
import { addHistograms, percentile } from '@/lib/admin/histogram'

// Health per provider from console_provider_hours (clock hours). "Last hour" is the current
// clock hour and the one before it (between 60 and 120 minutes: the rollup's grain), "last
// day" the current hour and the 23 before it; each window says where it starts.

export type HealthWindow = {
  since: string
  calls: number
  /** Provider or call failures (status 'error'). */
  errors: number
  /** Refused before reaching the provider (rate limited, over a limit). */
  refused: number
  /** errors ÷ calls that reached the provider; null without any. */
  errorRate: number | null
  /** Every call that did not succeed, by error code (its status when it had none). */
  codes: Record<string, number>
  p95: number | null
  lastError: string | null
  lastErrorAt: string | null
}
export type ProviderHealth = { provider: string; hour: HealthWindow; day: HealthWindow }

type Row = { provider: string; recent: boolean; calls: number; errors: number; refused: number; codes: Record<string, number | string>; hist: number[]; lastError: string | null; lastErrorAt: string | null }

function fold(rows: Row[], since: string): HealthWindow {
  const codes: Record<string, number> = {}
  let last: Row | undefined
  for (const r of rows) {
    for (const [code, n] of Object.entries(r.codes)) codes[code] = (codes[code] ?? 0) + Number(n)
    if (r.lastErrorAt && (!last?.lastErrorAt || r.lastErrorAt > last.lastErrorAt)) last = r
  }
  const calls = rows.reduce((a, r) => a + r.calls, 0)
  const errors = rows.reduce((a, r) => a + r.errors, 0)
  const refused = rows.reduce((a, r) => a + r.refused, 0)
  return {
    since,
    calls,
    errors,
    refused,
    errorRate: calls - refused > 0 ? errors / (calls - refused) : null,
    codes,
    p95: percentile(addHistograms(rows.map((r) => r.hist)), 95),
    lastError: last?.lastError ?? null,
    lastErrorAt: last?.lastErrorAt ?? null,
  }
}

/** Every provider with calls in the last day, worst error rate over the last hour first. */
export async function providerHealth(now: Date = new Date()): Promise<ProviderHealth[]> {
  const hourStart = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000)
  const hourSince = new Date(hourStart.getTime() - 3_600_000)
  const daySince = new Date(hourStart.getTime() - 23 * 3_600_000)
  const rows = await withOperatorRead((tx) =>
    tx.$queryRaw<Row[]>`
      select provider, hour >= ${hourSince} as recent, calls::float8 as calls, errors::float8 as errors, refused::float8 as refused,
             error_codes as codes, latency_hist::float8[] as hist, last_error as "lastError",
             to_char(last_error_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "lastErrorAt"
        from public.console_provider_hours where hour >= ${daySince}`,
  )
  const providers = [...new Set(rows.map((r) => r.provider))]
  const health = providers.map((provider) => {
    const mine = rows.filter((r) => r.provider === provider)
    return { provider, hour: fold(mine.filter((r) => r.recent), hourSince.toISOString()), day: fold(mine, daySince.toISOString()) }
  })
  return health.sort((a, b) => (b.hour.errorRate ?? -1) - (a.hour.errorRate ?? -1) || b.day.calls - a.day.calls || a.provider.localeCompare(b.provider))
}
