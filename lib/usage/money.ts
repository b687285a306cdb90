import { formatUsd, parseUsd } from '@/lib/pricing/money'

/** A numeric column (Prisma Decimal, pg string) as the API's canonical decimal string. */
export function usd(value: { toString(): string } | string | null | undefined): string | null {
  return value === null || value === undefined ? null : formatUsd(parseUsd(value.toString()))
}
