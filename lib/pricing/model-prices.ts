import 'server-only'
import { z } from 'zod'
import { violatesConstraint } from '@/lib/db/errors'
import { db } from '@/lib/db/prisma'
import { AppError } from '@/lib/errors'
import type { PriceOverride } from '@/lib/pricing/types'

// Operator overrides live in public.model_prices. The table is tiny and read on every priced
// call, so each process keeps it for CACHE_MS: a new price reaches every instance within that,
// and the process that wrote it at once (the writers call invalidatePriceOverrides).
export const PRICE_CACHE_MS = 30_000
// On globalThis, not in a module variable: Next may bundle this module twice (the gateway's
// route handlers and the console's server actions), and an invalidation made through one copy
// must reach the cache the other copy reads.
type PriceCache = { at: number; rows: Promise<PriceOverride[]> }
const holder = globalThis as typeof globalThis & { __tollgatePriceOverrides?: PriceCache }

/** Every override row, newest data at most CACHE_MS old. Pass the result to the calculators. */
export function listPriceOverrides(): Promise<PriceOverride[]> {
  const cache = holder.__tollgatePriceOverrides
  if (!cache || Date.now() - cache.at > PRICE_CACHE_MS) {
    const rows = db()
      .modelPrice.findMany({ orderBy: { effectiveFrom: 'asc' } })
      .then((list) =>
        list.map((r) => ({
          id: r.id,
          provider: r.provider,
          model: r.model,
          unit: r.unit,
          variant: r.variant,
          price: r.price.toFixed(),
          effectiveFrom: r.effectiveFrom,
          effectiveTo: r.effectiveTo,
        })),
      )
    const entry: PriceCache = { at: Date.now(), rows }
    holder.__tollgatePriceOverrides = entry
    // A failed read is retried on the next call (unless a newer read has replaced it).
    rows.catch(() => {
      if (holder.__tollgatePriceOverrides === entry) holder.__tollgatePriceOverrides = undefined
    })
    return rows
  }
  return cache.rows
}

/** Drops this process's copy: call after a committed write to model_prices. Other processes catch up within PRICE_CACHE_MS. */
export function invalidatePriceOverrides(): void {
  holder.__tollgatePriceOverrides = undefined
}

const PriceOverrideSchema = z.object({
  provider: z.string().trim().min(1).max(50),
  model: z.string().trim().min(1).max(200),
  unit: z.enum(['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok', 'input_image_mtok', 'image', 'second', 'megapixel', 'generation']),
  variant: z.string().trim().max(100).default(''),
  price: z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'price must be a decimal string such as "2.50"'),
  effectiveFrom: z.coerce.date(),
  effectiveTo: z.coerce.date().nullable().default(null),
  source: z.string().trim().min(1).max(500),
  note: z.string().max(1000).optional(),
})
export type PriceOverrideInput = z.input<typeof PriceOverrideSchema>

/** Adds an override (privileged: operators only). Throws AppError price_overlap (409) when periods overlap. */
export async function createPriceOverride(input: PriceOverrideInput): Promise<PriceOverride> {
  const data = PriceOverrideSchema.parse(input)
  try {
    const row = await db().modelPrice.create({ data })
    invalidatePriceOverrides()
    return { ...data, id: row.id, price: row.price.toFixed() }
  } catch (error) {
    if (violatesConstraint(error, 'model_prices_no_overlap')) throw new AppError('price_overlap', 'A price for this model, unit and variant is already in force during part of that period')
    throw error
  }
}
