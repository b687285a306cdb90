// Exact money: US dollars as BigInt counts of pico-dollars (1e-12 USD). Twelve decimals hold
// every per-token cost of a rate quoted with up to six decimals per million tokens (the most
// any catalog rate has), so no cost is ever rounded; sums of any length stay exact. Amounts
// leave this module as decimal strings and are stored as numeric(24,12).

import { trimEndOf } from '@/lib/text'

const SCALE = 12
const ONE = 10n ** BigInt(SCALE)

/** A USD amount in pico-dollars. */
export type Usd = bigint

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/

/** Parses "1.25", "0.000000005" or "12" into pico-dollars. Throws on anything finer than 1e-12 or not a decimal. */
export function parseUsd(value: string | number): Usd {
  // Numbers are accepted only because catalogs are JSON; String() gives the shortest
  // round-trip form ("0.075"), which is the decimal the author wrote, never a binary artefact.
  const text = typeof value === 'number' ? numberToDecimal(value) : value.trim()
  const match = DECIMAL.exec(text)
  if (!match) throw new Error(`Not a decimal amount: ${JSON.stringify(value)}`)
  const [, sign, whole, fraction = ''] = match
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE)))
    throw new Error(`Amount ${text} has more than ${SCALE} decimals`)
  const units = BigInt(whole) * ONE + BigInt((fraction.slice(0, SCALE) || '0').padEnd(SCALE, '0'))
  return sign ? -units : units
}

function numberToDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`Not a finite amount: ${n}`)
  const text = String(n)
  if (!/e/i.test(text)) return text
  // 5e-7 → "0.0000005": expand exponent notation without going through floats again.
  const [mantissa, exp] = text.toLowerCase().split('e')
  const exponent = Number(exp)
  const negative = mantissa.startsWith('-')
  const [int, frac = ''] = mantissa.replace('-', '').split('.')
  const digits = int + frac
  const point = int.length + exponent
  const expanded =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`
  return (negative ? '-' : '') + expanded
}

/** "0.0075", "0.5", "12", "0": the exact value, no trailing zeros. */
export function formatUsd(amount: Usd): string {
  const negative = amount < 0n
  const abs = negative ? -amount : amount
  const whole = abs / ONE
  const padded = (abs % ONE).toString().padStart(SCALE, '0')
  const fraction = trimEndOf(padded, '0')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** rate × quantity ÷ per, exact when the rate is representable and `per` divides it; else rounded half up. */
export function costOf(rate: Usd, quantity: bigint | number, per: bigint | number = 1n): Usd {
  const q = BigInt(quantity)
  const d = BigInt(per)
  const product = rate * q
  const quotient = product / d
  const remainder = product % d
  return remainder * 2n >= d ? quotient + 1n : quotient
}

export function sumUsd(amounts: Iterable<Usd>): Usd {
  let total = 0n
  for (const a of amounts) total += a
  return total
}
