import { formatUsd, parseUsd } from '@/lib/pricing/money'

/** A numeric column (Prisma Decimal, pg string) as the API's canonical decimal string. */
export function usd(value: { toString(): string; toFixed?: () => string } | string | null | undefined): string | null {
  if (value === null || value === undefined) return null
  // Decimal's toString() turns to exponent notation below 1e-7 ("1.5e-7"); toFixed() never does.
  return formatUsd(parseUsd(typeof value === 'string' ? value : (value.toFixed?.() ?? value.toString())))
}
