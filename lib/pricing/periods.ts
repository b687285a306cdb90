import type { PriceOverride } from '@/lib/pricing/types'

/** The period in force at `at`: the last whose start is not after it. Periods are oldest first. */
export function periodAt<P extends { effectiveFrom: string | null }>(periods: P[], at: Date): P | undefined {
  let current: P | undefined
  for (const p of periods) if (p.effectiveFrom === null || new Date(`${p.effectiveFrom}T00:00:00Z`) <= at) current = p
  return current
}

/**
 * The operator's override for one rate at `at`, if any: an exact variant first, then one
 * that covers every variant (''). The database refuses overlapping rows, so at most one fits.
 */
export function overrideAt(
  overrides: readonly PriceOverride[] | undefined,
  key: { provider: string; model: string; unit: string; variant?: string },
  at: Date,
): PriceOverride | undefined {
  if (!overrides?.length) return undefined
  const live = overrides.filter(
    (o) =>
      o.provider === key.provider &&
      o.model === key.model &&
      o.unit === key.unit &&
      o.effectiveFrom <= at &&
      (o.effectiveTo === null || at < o.effectiveTo),
  )
  return live.find((o) => o.variant === (key.variant ?? '')) ?? live.find((o) => o.variant === '')
}
